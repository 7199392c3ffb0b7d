package dev.hookline.testing;

import dev.hookline.domain.TimeSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link TimeSource} that moves only when a test moves it, wall clock and monotonic clock together. */
public final class ManualTime implements TimeSource {
  private final AtomicLong millis = new AtomicLong(System.currentTimeMillis());
  private final AtomicLong nanos = new AtomicLong(System.nanoTime());

  public void advance(Duration by) {
    millis.addAndGet(by.toMillis());
    nanos.addAndGet(by.toNanos());
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public long nanoTime() {
    return nanos.get();
  }
}
