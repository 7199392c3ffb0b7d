package dev.hookline.sweep;

import dev.hookline.metrics.HooklineMetrics;
import io.vertx.core.Future;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the {@link Sweeper} every {@code sweep.intervalSeconds}, passes never overlapping. */
public final class SweepVerticle extends PeriodicVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(SweepVerticle.class);

  private final Sweeper sweeper;
  private final HooklineMetrics metrics;

  public SweepVerticle(Sweeper sweeper, Duration interval, HooklineMetrics metrics) {
    super("sweep", interval);
    this.sweeper = sweeper;
    this.metrics = metrics;
  }

  @Override
  protected Future<?> runOnce() {
    return sweeper.sweepOnce().onSuccess(this::report);
  }

  private void report(Sweeper.SweepResult result) {
    metrics.sweepReinjected(result.restored());
    if (result.restored() > 0 || result.deadLettered() > 0 || result.expired() > 0) {
      LOG.info("sweep found {} overdue deliveries, re-added the {} missing from the schedule, dead-lettered {} whose"
          + " attempts too often ended without a recorded outcome, expired {} whose window ended while they waited",
          result.overdue(), result.restored(), result.deadLettered(), result.expired());
    } else {
      LOG.debug("sweep found {} overdue deliveries, all still on the schedule", result.overdue());
    }
    if (result.unreachableShards() > 0) {
      // Each shard's outage is logged once by the schedule; this would repeat it every pass.
      LOG.debug("sweep left {} schedule shards that did not answer for the next pass", result.unreachableShards());
    }
  }
}
