package dev.hookline.delivery;

import dev.hookline.domain.AttemptOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Capped exponential backoff and the attempt budget. Pure rules, unit-tested without I/O.
 * Attempts are counted within a delivery's budget (see {@code ClaimedDelivery.budgetAttempt}), so a
 * replayed dead letter starts its backoff again from the base delay.
 */
public record RetryPolicy(Duration baseDelay, Duration maxDelay) {

  /** Delay after attempt {@code n} (1-based): {@code min(base * 2^(n-1), max)}. */
  public Duration delayAfter(int attempt) {
    int exponent = Math.max(0, attempt - 1);
    // Past 2^62 the multiplication would overflow; by then the cap has long applied.
    if (exponent >= 62) {
      return maxDelay;
    }
    double nanos = baseDelay.toNanos() * Math.pow(2, exponent);
    return nanos >= maxDelay.toNanos() ? maxDelay : Duration.ofNanos((long) nanos);
  }

  /**
   * Turns the result of attempt {@code attempt} of a budget of {@code attemptsAllowed}, received at
   * {@code now}, into the row's next state. A 429 or 503 with a valid Retry-After waits what the
   * receiver asked instead of the backoff, never longer than {@code maxDelay}.
   */
  public AttemptOutcome decide(int attempt, int attemptsAllowed, SendResult result, Instant now) {
    return decide(attempt, attemptsAllowed, result, OutcomeClassifier.classify(result), now);
  }

  /** As above, for a result whose {@code verdict} the caller has already classified. */
  public AttemptOutcome decide(int attempt, int attemptsAllowed, SendResult result, Verdict verdict, Instant now) {
    String description = OutcomeClassifier.describe(result);
    return switch (verdict) {
      case SUCCESS -> AttemptOutcome.succeeded(result.statusCode());
      case TRANSIENT -> attempt >= attemptsAllowed
          ? AttemptOutcome.deadLetter(result.statusCode(), description + " (attempts exhausted)")
          : AttemptOutcome.retry(result.statusCode(), description, retryDelay(attempt, result, now));
      case PERMANENT -> AttemptOutcome.deadLetter(result.statusCode(), description);
    };
  }

  private Duration retryDelay(int attempt, SendResult result, Instant now) {
    Integer status = result.statusCode();
    if (status != null && (status == 429 || status == 503)) {
      Optional<Duration> asked = RetryAfter.parse(result.retryAfter(), now);
      if (asked.isPresent()) {
        return asked.get().compareTo(maxDelay) > 0 ? maxDelay : asked.get();
      }
    }
    return delayAfter(attempt);
  }

  /** A failure on our side before anything was sent (e.g. the credential lookup); retried like a network error. */
  public AttemptOutcome internalFailure(int attempt, int attemptsAllowed, String description) {
    return attempt >= attemptsAllowed
        ? AttemptOutcome.deadLetter(null, description + " (attempts exhausted)")
        : AttemptOutcome.retry(null, description, delayAfter(attempt));
  }
}
