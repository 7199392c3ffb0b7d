package dev.hookline.domain;

import java.time.Duration;

/** What one attempt decided; {@code retryDelay} is set only when the row stays pending. */
public record AttemptOutcome(DeliveryStatus status, Integer statusCode, String error, Duration retryDelay) {

  /** The attempt log's name for this outcome: a row that stays pending was a retry. */
  public String logName() {
    return status == DeliveryStatus.PENDING ? "retry" : status.column();
  }

  public AttemptOutcome withError(String newError) {
    return new AttemptOutcome(status, statusCode, newError, retryDelay);
  }

  public static AttemptOutcome succeeded(int statusCode) {
    return new AttemptOutcome(DeliveryStatus.SUCCEEDED, statusCode, null, null);
  }

  public static AttemptOutcome retry(Integer statusCode, String error, Duration delay) {
    return new AttemptOutcome(DeliveryStatus.PENDING, statusCode, error, delay);
  }

  /** The attempt failed and the delivery's window ends before another could start. */
  public static AttemptOutcome expired(Integer statusCode, String error) {
    return new AttemptOutcome(DeliveryStatus.EXPIRED, statusCode, error, null);
  }

  public static AttemptOutcome deadLetter(Integer statusCode, String error) {
    return new AttemptOutcome(DeliveryStatus.DEAD_LETTER, statusCode, error, null);
  }
}
