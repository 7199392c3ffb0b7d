package dev.hookline.domain;

import java.time.Instant;

/**
 * Wall-clock and monotonic time from one place, so code that measures deadlines and backoffs can
 * be tested by moving time rather than waiting for it.
 */
public interface TimeSource {
  TimeSource SYSTEM = new TimeSource() {
    @Override
    public long millis() {
      return System.currentTimeMillis();
    }

    @Override
    public long nanoTime() {
      return System.nanoTime();
    }
  };

  /** Wall-clock time in epoch milliseconds. */
  long millis();

  /** Monotonic time for measuring intervals, as {@link System#nanoTime()}. */
  long nanoTime();

  default Instant now() {
    return Instant.ofEpochMilli(millis());
  }
}
