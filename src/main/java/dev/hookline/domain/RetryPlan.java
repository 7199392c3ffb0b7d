package dev.hookline.domain;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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

  private static Duration duration(double seconds) {
    return Duration.ofNanos(Math.round(seconds * 1_000_000_000d));
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1_000_000_000d;
  }
}
