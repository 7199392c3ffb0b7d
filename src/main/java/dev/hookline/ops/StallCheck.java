package dev.hookline.ops;

import dev.hookline.delivery.PumpProgress;
import dev.hookline.queue.DueQueue;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * Whether delivery in this process has stalled: some delivery pump has made no progress for longer
 * than {@code delivery.stallSeconds} while the schedule holds due work. An idle worker has nothing
 * due; a worker whose due deliveries wait for an open circuit or a busy origin has put them back on
 * the schedule for later, so they are not due; a worker whose every slot waits on slow receivers
 * finishes an attempt at least once a lease. None of them is stalled. Read by readiness and the
 * gauges; Redis is asked only when a pump has been silent that long.
 */
public final class StallCheck {
  private final PumpProgress progress;
  private final DueQueue queue;
  private final Duration after;

  /** {@code after} zero: never stalled. */
  public StallCheck(PumpProgress progress, DueQueue queue, Duration after) {
    this.progress = progress;
    this.queue = queue;
    this.after = after;
  }

  /** Never fails: when the schedule cannot be read it says not stalled (readiness reports Redis itself). */
  public Future<State> check() {
    Duration silence = progress.longestSilence();
    if (after.isZero() || silence.compareTo(after) <= 0) {
      return Future.succeededFuture(new State(silence, -1));
    }
    return queue.dueCount().map(due -> new State(silence, due)).otherwise(error -> new State(silence, -1));
  }

  /** The longest silence of a pump, and the due ids when they were counted (-1: not counted). */
  public record State(Duration silence, long due) {
    public boolean stalled() {
      return due > 0;
    }

    /** As readiness shows it. */
    public String readiness() {
      return stalled() ? "down: delivery has made no progress for " + silence.toSeconds() + " s while " + due
          + " deliveries are due" : "up";
    }
  }
}
