package dev.hookline.ops;

import dev.hookline.domain.RateLimitedException;
import dev.hookline.domain.TimeSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * At most {@code delivery.testSendsPerMinute} test sends per organization in a fixed one-minute window
 * that opens with its first send, so a test send cannot be used as a load cannon. Kept in this
 * worker's memory: with several workers an organization gets the limit on each. Thread-safe (the API
 * and the event-bus verticle share it).
 */
public final class TestSendLimit {
  private static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
  /** Past this many organizations, windows that have ended are dropped, so the map stays small. */
  private static final int PRUNE_ABOVE = 1_024;

  private final int perMinute;
  private final TimeSource time;
  private final Map<Long, Window> windows = new ConcurrentHashMap<>();

  public TestSendLimit(int perMinute, TimeSource time) {
    this.perMinute = perMinute;
    this.time = time;
  }

  /** Counts one send for {@code organizationId}; throws {@link RateLimitedException} (429) past the limit. */
  public void acquire(long organizationId) {
    long now = time.nanoTime();
    if (windows.size() > PRUNE_ABOVE) {
      windows.values().removeIf(window -> window.endedBy(now));
    }
    Window window = windows.compute(organizationId, (org, current) -> current == null || current.endedBy(now)
        ? new Window(now, 1) : new Window(current.startNanos(), current.sends() + 1));
    if (window.sends() > perMinute) {
      long waitSeconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(window.startNanos() + WINDOW_NANOS - now
          + TimeUnit.SECONDS.toNanos(1) - 1));
      throw new RateLimitedException("organizationId", "organization " + organizationId + " has used its "
          + perMinute + " test sends of this minute on this worker (delivery.testSendsPerMinute)", waitSeconds);
    }
  }

  private record Window(long startNanos, int sends) {
    boolean endedBy(long nowNanos) {
      return nowNanos - startNanos >= WINDOW_NANOS;
    }
  }
}
