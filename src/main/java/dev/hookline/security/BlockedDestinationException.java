package dev.hookline.security;

/** A destination the policy refuses; the message starts with {@code blocked_destination}. */
public final class BlockedDestinationException extends RuntimeException {
  public BlockedDestinationException(String detail) {
    super("blocked_destination: " + detail, null, false, false);
  }
}
