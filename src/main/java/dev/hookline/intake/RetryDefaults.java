package dev.hookline.intake;

import dev.hookline.config.HooklineConfig;
import java.time.Duration;

/**
 * What a create's {@code retry} object falls back to and is bounded by: the {@code delivery.*}
 * retry keys fill in the backoff numbers it leaves out, and {@code retention.days} bounds its windows.
 */
public record RetryDefaults(int maxAttempts, Duration baseDelay, Duration maxDelay, int retentionDays) {

  public static RetryDefaults of(HooklineConfig config) {
    HooklineConfig.Delivery d = config.delivery();
    return new RetryDefaults(d.maxAttempts(), d.baseDelay(), d.maxDelay(), config.retention().days());
  }

  Duration retention() {
    return Duration.ofDays(retentionDays);
  }
}
