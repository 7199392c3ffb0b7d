package dev.hookline.delivery;

import dev.hookline.domain.TimeSource;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each delivery pump of this process last made progress, so that a pump that stopped working
 * can be told from one with nothing to do (svix-webhooks #1511: a worker stopped consuming while its
 * API kept accepting). Progress is a claim statement that answered, a pop that found nothing due, or
 * an attempt that finished: an idle pump still pops every idle poll, a busy one finishes an attempt
 * at least once a lease, and one waiting for an open circuit finds its deliveries re-scheduled for
 * later. Whether a silent pump matters (work is due) is for the caller to ask. Shared by every event
 * loop; each pump writes only its own mark.
 */
public final class PumpProgress {
  private final TimeSource time;
  private final Set<Mark> marks = ConcurrentHashMap.newKeySet();

  public PumpProgress(TimeSource time) {
    this.time = time;
  }

  /** A running pump's mark, progressed as of now; {@link Mark#close} when the pump stops. */
  Mark start() {
    Mark mark = new Mark();
    marks.add(mark);
    return mark;
  }

  /** How long the pump that has gone longest without progress has been silent; zero when no pump runs. */
  public Duration longestSilence() {
    long now = time.nanoTime();
    long longest = 0;
    for (Mark mark : marks) {
      longest = Math.max(longest, now - mark.lastNanos);
    }
    return Duration.ofNanos(longest);
  }

  /** One pump's last progress. */
  final class Mark {
    private volatile long lastNanos = time.nanoTime();

    void progressed() {
      lastNanos = time.nanoTime();
    }

    void close() {
      marks.remove(this);
    }
  }
}
