package dev.hookline.delivery;

import dev.hookline.ops.PeriodicVerticle;
import io.vertx.core.Future;
import java.time.Duration;

/** Brings other workers' circuit transitions into this process's view of them. */
public final class CircuitRefreshVerticle extends PeriodicVerticle {
  private final CircuitBreaker breaker;

  public CircuitRefreshVerticle(CircuitBreaker breaker, Duration interval) {
    super("circuit refresh", interval);
    this.breaker = breaker;
  }

  @Override
  protected Future<?> runOnce() {
    return breaker.refresh();
  }
}
