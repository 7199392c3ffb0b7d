package dev.hookline.security;

/** A destination the policy refuses; the message starts with {@code blocked_destination}. */
public final class BlockedDestinationException extends RuntimeException {
  private final String detail;

  public BlockedDestinationException(String detail) {
    super("blocked_destination: " + detail, null, false, false);
    this.detail = detail;
  }

  /** What was refused and why, without the prefix: "hooks.test resolves to 10.0.0.5 (private); to allow it, ...". */
  public String detail() {
    return detail;
  }
}
