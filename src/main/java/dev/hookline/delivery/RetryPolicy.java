package dev.hookline.delivery;

import dev.hookline.domain.AttemptOutcome;
import dev.hookline.domain.ClaimedDelivery;
import dev.hookline.domain.RetryPlan;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * Capped exponential backoff, a delivery's own retry plan, jitter, the attempt budget and the
 * delivery's window. Pure rules, unit-tested without I/O. Attempts are counted within a delivery's
 * budget (see {@code ClaimedDelivery.budgetAttempt}), so a replayed dead letter starts its backoff
 * again from the first delay.
 *
 * <p>{@code jitter} j (0 to 0.9) multiplies each backoff or schedule delay by a factor drawn
 * uniformly from [1 - j, 1 + j] with {@code random} (uniform in [0, 1)), so deliveries that failed
 * together do not all come back together; at 0 the delays are exact and {@code random} is never used.
 */
public record RetryPolicy(Duration baseDelay, Duration maxDelay, double jitter, DoubleSupplier random) {

  /** The {@code delivery.*} backoff with no jitter: the seed's exact delays. */
  public RetryPolicy(Duration baseDelay, Duration maxDelay) {
    this(baseDelay, maxDelay, 0, () -> {
      throw new IllegalStateException("no jitter: nothing random is drawn");
    });
  }

  /** Delay after attempt {@code n} (1-based) of the {@code delivery.*} backoff, before jitter: {@code min(base * 2^(n-1), max)}. */
  public Duration delayAfter(int attempt) {
    return RetryPlan.backoff(baseDelay, maxDelay, attempt);
  }

  /**
   * Turns the result of attempt {@code attempt} of a budget of {@code attemptsAllowed}, received at
   * {@code now}, into the row's next state, for a delivery that follows the {@code delivery.*} keys
   * and has no window. A 429 or 503 with a valid Retry-After waits what the receiver asked instead
   * of the backoff, never longer than {@code maxDelay}.
   */
  public AttemptOutcome decide(int attempt, int attemptsAllowed, SendResult result, Instant now) {
    return decide(attempt, attemptsAllowed, result, OutcomeClassifier.classify(result), now);
  }

  /** As above, for a result whose {@code verdict} the caller has already classified. */
  public AttemptOutcome decide(int attempt, int attemptsAllowed, SendResult result, Verdict verdict, Instant now) {
    return decide(new Budget(attempt, attemptsAllowed, null, null), result, verdict, now);
  }

  /**
   * As above, for the claimed {@code delivery}: its own retry plan, when it has one, gives the
   * delays, and a retry that could not start before its window ends makes it {@code expired}.
   */
  public AttemptOutcome decide(ClaimedDelivery delivery, SendResult result, Verdict verdict, Instant now) {
    return decide(Budget.of(delivery), result, verdict, now);
  }

  /** A failure on our side before anything was sent (e.g. the credential lookup); retried like a network error. */
  public AttemptOutcome internalFailure(int attempt, int attemptsAllowed, String description) {
    Budget budget = new Budget(attempt, attemptsAllowed, null, null);
    return transientFailure(budget, null, description, () -> delayAfter(budget), null);
  }

  /** As above, for the claimed {@code delivery}, with its own plan and window. */
  public AttemptOutcome internalFailure(ClaimedDelivery delivery, String description, Instant now) {
    Budget budget = Budget.of(delivery);
    return transientFailure(budget, null, description, () -> delayAfter(budget), now);
  }

  private AttemptOutcome decide(Budget budget, SendResult result, Verdict verdict, Instant now) {
    String description = OutcomeClassifier.describe(result);
    return switch (verdict) {
      case SUCCESS -> AttemptOutcome.succeeded(result.statusCode());
      case TRANSIENT -> transientFailure(budget, result.statusCode(), description,
          () -> retryDelay(budget, result, now), now);
      case PERMANENT -> AttemptOutcome.deadLetter(result.statusCode(), description);
    };
  }

  /**
   * Retried after {@code delay}, unless the budget is spent (dead letter) or the delivery's window
   * ends before the retry could start (expired: waiting would only end in the same place).
   */
  private static AttemptOutcome transientFailure(Budget budget, Integer statusCode, String description,
                                                 Supplier<Duration> delay, Instant now) {
    if (budget.exhausted()) {
      return AttemptOutcome.deadLetter(statusCode, description + " (attempts exhausted)");
    }
    Duration wait = delay.get();
    if (budget.expiresAt() != null && !now.plus(wait).isBefore(budget.expiresAt())) {
      return AttemptOutcome.expired(statusCode, description + " (" + window(budget.plan())
          + " ends before the next attempt)");
    }
    return AttemptOutcome.retry(statusCode, description, wait);
  }

  private static String window(RetryPlan plan) {
    return plan == null || plan.deliverWithin() == null ? "its window"
        : "window of " + RetryPlan.inSeconds(plan.deliverWithin()) + "s";
  }

  /**
   * What the receiver asked for (429 or 503 with a valid Retry-After), up to the longest delay the
   * delivery's retries may wait; otherwise the backoff or schedule delay, jittered.
   */
  private Duration retryDelay(Budget budget, SendResult result, Instant now) {
    Integer status = result.statusCode();
    if (status != null && (status == 429 || status == 503)) {
      Optional<Duration> asked = RetryAfter.parse(result.retryAfter(), now);
      if (asked.isPresent()) {
        Duration cap = retryAfterCap(budget.plan());
        return asked.get().compareTo(cap) > 0 ? cap : asked.get();
      }
    }
    return delayAfter(budget);
  }

  /** A schedule has no maximum of its own: its longest delay, or {@code delivery.maxDelaySeconds} if longer. */
  private Duration retryAfterCap(RetryPlan plan) {
    if (plan == null || (!plan.hasSchedule() && plan.maxDelay() == null)) {
      return maxDelay;
    }
    if (!plan.hasSchedule()) {
      return plan.maxDelay();
    }
    Duration longest = plan.schedule().stream().max(Duration::compareTo).orElseThrow();
    return longest.compareTo(maxDelay) > 0 ? longest : maxDelay;
  }

  /** The delay after the budget's attempt, from the delivery's plan or the {@code delivery.*} keys, jittered. */
  private Duration delayAfter(Budget budget) {
    RetryPlan plan = budget.plan();
    boolean ownDelays = plan != null && (plan.hasSchedule() || plan.baseDelay() != null);
    return jittered(ownDelays ? plan.delayAfter(budget.attempt()) : delayAfter(budget.attempt()));
  }

  private Duration jittered(Duration delay) {
    if (jitter == 0) {
      return delay;
    }
    double factor = 1 - jitter + 2 * jitter * random.getAsDouble();
    return Duration.ofNanos(Math.round(delay.toNanos() * factor));
  }

  /** Attempt {@code attempt} of {@code allowed}, with the delivery's plan and the end of its window (each may be null). */
  private record Budget(int attempt, int allowed, RetryPlan plan, Instant expiresAt) {
    static Budget of(ClaimedDelivery delivery) {
      return new Budget(delivery.budgetAttempt(), delivery.budget(), delivery.retry(), delivery.expiresAt());
    }

    boolean exhausted() {
      return attempt >= allowed;
    }
  }
}
