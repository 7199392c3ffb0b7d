package dev.hookline.intake;

import dev.hookline.domain.Fields;
import dev.hookline.domain.InvalidRequestException;
import dev.hookline.domain.RetryPlan;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a create's optional {@code retry} object into the {@link RetryPlan} stored with the
 * delivery, or throws {@link InvalidRequestException} naming the field. The plan is complete: the
 * backoff numbers the object leaves out are filled in from {@code delivery.*} now, so a later
 * change of configuration does not change a delivery already written.
 */
final class RetryPlanParser {
  static final int MAX_ATTEMPTS = 100;
  static final long MAX_DELAY_SECONDS = 7 * 86_400;
  private static final String MAX_ATTEMPTS_KEY = "maxAttempts";
  private static final String BASE_KEY = "baseDelaySeconds";
  private static final String MAX_KEY = "maxDelaySeconds";
  private static final String SCHEDULE_KEY = "schedule";
  private static final String WITHIN_KEY = "deliverWithinSeconds";
  private static final List<String> BACKOFF_KEYS = List.of(MAX_ATTEMPTS_KEY, BASE_KEY, MAX_KEY);
  private static final Set<String> KEYS = Set.of(MAX_ATTEMPTS_KEY, BASE_KEY, MAX_KEY, SCHEDULE_KEY, WITHIN_KEY);

  private final RetryDefaults defaults;

  RetryPlanParser(RetryDefaults defaults) {
    this.defaults = defaults;
  }

  /** Null when the create has no {@code retry} (or it is null): the delivery follows the {@code delivery.*} keys. */
  RetryPlan parse(Object value) {
    if (value == null) {
      return null;
    }
    JsonObject retry = Fields.object(value, "retry");
    // Unlike the create's top level, a typo here must not quietly fall back to the defaults.
    for (String key : retry.fieldNames()) {
      if (!KEYS.contains(key)) {
        throw new InvalidRequestException(field(key), "is not a retry setting (known: maxAttempts, baseDelaySeconds,"
            + " maxDelaySeconds, schedule, deliverWithinSeconds)");
      }
    }
    Duration within = retry.getValue(WITHIN_KEY) == null ? null : within(retry);
    RetryPlan plan = retry.containsKey(SCHEDULE_KEY) ? schedule(retry, within) : backoff(retry, within);
    requireWithinRetention(plan.span(), plan.hasSchedule() ? field(SCHEDULE_KEY) : "retry",
        "its retries (the delays after each attempt but the last, added up, before jitter)");
    return plan;
  }

  private RetryPlan schedule(JsonObject retry, Duration within) {
    String field = field(SCHEDULE_KEY);
    List<String> combined = BACKOFF_KEYS.stream().filter(retry::containsKey).toList();
    if (!combined.isEmpty()) {
      throw new InvalidRequestException(field, "cannot be combined with " + String.join(", ", combined)
          + ": a schedule fixes every delay, and the attempts are its length + 1");
    }
    if (!(retry.getValue(SCHEDULE_KEY) instanceof JsonArray entries)) {
      throw new InvalidRequestException(field, "must be an array of delays in seconds");
    }
    if (entries.isEmpty() || entries.size() >= MAX_ATTEMPTS) {
      throw new InvalidRequestException(field, "must hold 1 to " + (MAX_ATTEMPTS - 1) + " delays (got "
          + entries.size() + "); its length + 1 attempts are made");
    }
    List<Duration> delays = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      delays.add(delay(entries.getValue(i), field + "[" + i + "]"));
    }
    return new RetryPlan(delays.size() + 1, null, null, delays, within);
  }

  private RetryPlan backoff(JsonObject retry, Duration within) {
    int maxAttempts = retry.getValue(MAX_ATTEMPTS_KEY) == null ? defaults.maxAttempts() : maxAttempts(retry);
    Duration base = retry.getValue(BASE_KEY) == null ? defaults.baseDelay() : delay(retry.getValue(BASE_KEY), field(BASE_KEY));
    Duration max = retry.getValue(MAX_KEY) == null ? defaults.maxDelay() : delay(retry.getValue(MAX_KEY), field(MAX_KEY));
    if (base.compareTo(max) > 0) {
      // Named after the key the create set; the other one is the configured value.
      boolean baseGiven = retry.getValue(BASE_KEY) != null;
      throw new InvalidRequestException(field(baseGiven ? BASE_KEY : MAX_KEY), "baseDelaySeconds (" + RetryPlan.inSeconds(base)
          + ") must not exceed maxDelaySeconds (" + RetryPlan.inSeconds(max) + ")"
          + (retry.getValue(baseGiven ? MAX_KEY : BASE_KEY) == null ? ", which comes from delivery.*" : ""));
    }
    return new RetryPlan(maxAttempts, base, max, null, within);
  }

  private static int maxAttempts(JsonObject retry) {
    Object value = retry.getValue(MAX_ATTEMPTS_KEY);
    // As for ids: 5.0, "5" and true are refused rather than guessed at.
    boolean whole = value instanceof Integer || value instanceof Long;
    long attempts = whole ? ((Number) value).longValue() : 0;
    if (attempts < 1 || attempts > MAX_ATTEMPTS) {
      throw new InvalidRequestException(field(MAX_ATTEMPTS_KEY), "must be a whole number from 1 to " + MAX_ATTEMPTS);
    }
    return (int) attempts;
  }

  private static Duration delay(Object value, String field) {
    if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0
        || n.doubleValue() > MAX_DELAY_SECONDS) {
      throw new InvalidRequestException(field, "must be a number of seconds from 0 to " + MAX_DELAY_SECONDS + " (7 days)");
    }
    return RetryPlan.duration(n.doubleValue());
  }

  private Duration within(JsonObject retry) {
    String field = field(WITHIN_KEY);
    if (!(retry.getValue(WITHIN_KEY) instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() <= 0) {
      throw new InvalidRequestException(field, "must be a number of seconds greater than 0");
    }
    Duration within = RetryPlan.duration(n.doubleValue());
    requireWithinRetention(within, field, "the window");
    return within;
  }

  /**
   * Retention deletes a finished row {@code retention.days} after its creation: a delivery still
   * retrying past that would lose its record the moment it ended.
   */
  private void requireWithinRetention(Duration span, String field, String what) {
    if (span.compareTo(defaults.retention()) > 0) {
      throw new InvalidRequestException(field, what + " spans " + RetryPlan.inSeconds(span) + " s, over retention.days ("
          + defaults.retentionDays() + " days = " + defaults.retention().toSeconds() + " s)");
    }
  }

  private static String field(String key) {
    return "retry." + key;
  }
}
