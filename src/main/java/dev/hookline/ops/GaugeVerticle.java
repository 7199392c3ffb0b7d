package dev.hookline.ops;

import io.vertx.core.Future;
import java.time.Duration;

/** Refreshes the query-backed gauges every {@code metrics.refreshSeconds}. */
public final class GaugeVerticle extends PeriodicVerticle {
  private final GaugeRefresher refresher;

  public GaugeVerticle(GaugeRefresher refresher, Duration interval) {
    super("metrics refresh", interval);
    this.refresher = refresher;
  }

  @Override
  protected Future<?> runOnce() {
    return refresher.refresh();
  }
}
