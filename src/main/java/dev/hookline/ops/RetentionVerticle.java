package dev.hookline.ops;

import dev.hookline.sweep.PeriodicVerticle;
import io.vertx.core.Future;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs {@link Retention} every {@code retention.intervalSeconds}. */
public final class RetentionVerticle extends PeriodicVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionVerticle.class);

  private final Retention retention;
  private final int days;

  public RetentionVerticle(Retention retention, int days, Duration interval) {
    super("retention", interval);
    this.retention = retention;
    this.days = days;
  }

  @Override
  protected Future<?> runOnce() {
    return retention.purge().onSuccess(deleted -> {
      if (deleted > 0) {
        LOG.info("retention deleted {} final deliveries created and last changed more than {} days ago", deleted, days);
      }
    });
  }
}
