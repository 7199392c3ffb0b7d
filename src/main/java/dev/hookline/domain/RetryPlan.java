package dev.hookline.domain;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A delivery's own retry rules, from the create's {@code retry} object, normalised: either capped
 * exponential backoff ({@code baseDelay}, {@code maxDelay}) or an explicit {@code schedule} (the
 * delays after attempts 1, 2, ...; {@code maxAttempts} is then one more than its length). A null
 * backoff part means the {@code delivery.*} keys apply; {@code deliverWithin} (may be null) bounds
 * the time from creation (or resend) after which no attempt starts.
 */
public record RetryPlan(int maxAttempts, Duration baseDelay, Duration maxDelay, List<Duration> schedule,
                        Duration deliverWithin) {

  public RetryPlan {
    schedule = schedule == null ? null : List.copyOf(schedule);
  }

  public boolean hasSchedule() {
    return schedule != null;
  }

  /**
   * The delay after attempt {@code attempt} (1-based), before any jitter: the schedule's entry for
   * it (its last entry past its end, e.g. after an operator's retry gave a larger budget), or the
   * capped exponential backoff of this plan's numbers. Only for a plan holding one or the other.
   */
  public Duration delayAfter(int attempt) {
    if (schedule != null) {
      return schedule.get(Math.min(Math.max(1, attempt), schedule.size()) - 1);
    }
    return backoff(baseDelay, maxDelay, attempt);
  }

  /** How long the retries take at most, before jitter: the delays after attempts 1 to maxAttempts - 1 added up. */
  public Duration span() {
    Duration total = Duration.ZERO;
    for (int attempt = 1; attempt < maxAttempts; attempt++) {
      total = total.plus(delayAfter(attempt));
    }
    return total;
  }

  /** Capped exponential backoff: the delay after attempt {@code attempt} (1-based) is {@code min(base * 2^(n-1), max)}. */
  public static Duration backoff(Duration base, Duration max, int attempt) {
    int exponent = Math.max(0, attempt - 1);
    // Past 2^62 the multiplication would overflow; by then the cap has long applied.
    if (exponent >= 62) {
      return max;
    }
    double nanos = base.toNanos() * Math.pow(2, exponent);
    return nanos >= max.toNanos() ? max : Duration.ofNanos((long) nanos);
  }

  /** The stored form (the {@code retry} column). */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("maxAttempts", maxAttempts);
    if (schedule != null) {
      JsonArray delays = new JsonArray();
      schedule.forEach(delay -> delays.add(seconds(delay)));
      json.put("schedule", delays);
    } else if (baseDelay != null) {
      json.put("baseDelaySeconds", seconds(baseDelay)).put("maxDelaySeconds", seconds(maxDelay));
    }
    if (deliverWithin != null) {
      json.put("deliverWithinSeconds", seconds(deliverWithin));
    }
    return json;
  }

  /** Reads the stored form; null in, null out. */
  public static RetryPlan fromJson(JsonObject json) {
    if (json == null) {
      return null;
    }
    List<Duration> schedule = null;
    JsonArray delays = json.getJsonArray("schedule");
    if (delays != null) {
      schedule = new ArrayList<>(delays.size());
      for (int i = 0; i < delays.size(); i++) {
        schedule.add(duration(((Number) delays.getValue(i)).doubleValue()));
      }
    }
    return new RetryPlan(json.getInteger("maxAttempts"), optional(json, "baseDelaySeconds"),
        optional(json, "maxDelaySeconds"), schedule, optional(json, "deliverWithinSeconds"));
  }

  private static Duration optional(JsonObject json, String key) {
    Number value = (Number) json.getValue(key);
    return value == null ? null : duration(value.doubleValue());
  }

  /** A count of seconds, fractions included (0.05 = 50 ms), as a duration. */
  public static Duration duration(double seconds) {
    return Duration.ofNanos(Math.round(seconds * 1_000_000_000d));
  }

  /** Seconds as people write them in a retry object and read them in an error: "300", "0.05". */
  public static String inSeconds(Duration duration) {
    return BigDecimal.valueOf(duration.toNanos(), 9).stripTrailingZeros().toPlainString();
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1_000_000_000d;
  }
}
