package dev.hookline.domain;

/** An operator action on a delivery whose status it does not apply to: a 409 naming the field {@code status}. */
public final class StatusConflictException extends RuntimeException {
  public StatusConflictException(String message) {
    super(message, null, false, false);
  }
}
