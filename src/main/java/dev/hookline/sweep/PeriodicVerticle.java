package dev.hookline.sweep;

import dev.hookline.queue.Outage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Housekeeping on a timer that is re-armed only after a pass finishes, so passes never overlap
 * however slow the work is, and a failing pass is logged without stopping the loop. The first
 * pass runs at once: a restart after an outage should not wait a whole interval.
 */
public abstract class PeriodicVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PeriodicVerticle.class);

  private final String name;
  private final long intervalMillis;
  private long timerId = -1;
  private boolean stopped;
  private Future<?> running = Future.succeededFuture();

  protected PeriodicVerticle(String name, Duration interval) {
    this.name = name;
    this.intervalMillis = Math.max(1, interval.toMillis());
  }

  /** One pass of the work. */
  protected abstract Future<?> runOnce();

  /** A periodic verticle whose pass is just {@code pass}, for work that needs no state of its own. */
  public static PeriodicVerticle every(String name, Duration interval, Supplier<Future<?>> pass) {
    return new PeriodicVerticle(name, interval) {
      @Override
      protected Future<?> runOnce() {
        return pass.get();
      }
    };
  }

  @Override
  public Future<?> start() {
    pass();
    return Future.succeededFuture();
  }

  private void pass() {
    timerId = -1;
    Promise<Void> done = Promise.promise();
    running = done.future();
    Future<?> result;
    try {
      result = runOnce();
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      if (ar.failed()) {
        if (Outage.isReported(ar.cause())) {
          // Redis is down and its Outage has said so once; a line per pass would only repeat it.
          LOG.debug("{} pass failed ({}); next pass in {} ms", name, ar.cause().toString(), intervalMillis);
        } else {
          LOG.warn("{} pass failed ({}); next pass in {} ms", name, ar.cause().toString(), intervalMillis);
        }
      }
      if (!stopped) {
        timerId = vertx.setTimer(intervalMillis, id -> pass());
      }
      done.complete();
    });
  }

  /** Lets a pass in progress finish; no new pass starts. */
  @Override
  public Future<?> stop() {
    stopped = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    return running;
  }
}
