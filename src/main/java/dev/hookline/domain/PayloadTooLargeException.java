package dev.hookline.domain;

/** Input over a size limit: 400 on the event bus (invalid input), 413 over HTTP. */
public final class PayloadTooLargeException extends InvalidRequestException {
  public PayloadTooLargeException(String field, String problem) {
    super(field, problem);
  }
}
