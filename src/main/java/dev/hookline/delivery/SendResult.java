package dev.hookline.delivery;

/**
 * What one HTTP attempt produced: a status (with a capped excerpt of the body) or the error that
 * prevented one. Exactly one of {@code statusCode} and {@code error} is set.
 */
public record SendResult(Integer statusCode, String bodyExcerpt, Throwable error, long latencyMillis) {

  public static SendResult response(int statusCode, String bodyExcerpt, long latencyMillis) {
    return new SendResult(statusCode, bodyExcerpt, null, latencyMillis);
  }

  public static SendResult failure(Throwable error, long latencyMillis) {
    return new SendResult(null, null, error, latencyMillis);
  }
}
