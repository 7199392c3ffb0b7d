package dev.hookline.sweep;

import dev.hookline.delivery.DeliveryVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the sweeper on a timer that is re-armed only after a pass finishes, so passes never overlap
 * however slow Postgres is, and a failing pass never stops the loop.
 */
public final class SweepVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SweepVerticle.class);

  private final Sweeper sweeper;
  private final long intervalMillis;
  private long timerId = -1;
  private boolean stopped;
  private Future<?> running = Future.succeededFuture();

  public SweepVerticle(Sweeper sweeper, Duration interval) {
    this.sweeper = sweeper;
    this.intervalMillis = Math.max(1, interval.toMillis());
  }

  @Override
  public Future<?> start() {
    // The first pass runs at once: a restart after an outage should not wait a full interval.
    pass();
    return Future.succeededFuture();
  }

  private void pass() {
    timerId = -1;
    Promise<Void> done = Promise.promise();
    running = done.future();
    Future<Sweeper.SweepResult> result;
    try {
      result = sweeper.sweepOnce();
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        report(ar.result());
      } else {
        LOG.warn("sweep pass failed ({}); next pass in {} ms", ar.cause().getMessage(), intervalMillis);
      }
      if (!stopped) {
        timerId = vertx.setTimer(intervalMillis, id -> pass());
      }
      done.complete();
    });
  }

  private void report(Sweeper.SweepResult result) {
    if (result.restored() > 0 || result.deadLettered() > 0) {
      LOG.info("sweep re-added {} overdue deliveries ({} were missing from the schedule), dead-lettered {} whose"
          + " final attempt was never recorded", result.overdue(), result.restored(), result.deadLettered());
      vertx.eventBus().publish(DeliveryVerticle.WAKE_ADDRESS, null, new DeliveryOptions().setLocalOnly(true));
    } else {
      LOG.debug("sweep re-added {} overdue deliveries, none missing from the schedule", result.overdue());
    }
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    return running;
  }
}
