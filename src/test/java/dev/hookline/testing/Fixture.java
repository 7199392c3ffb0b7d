package dev.hookline.testing;

import dev.hookline.Hookline;
import dev.hookline.security.HostResolver;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** One test's world: a private database and key prefix, a receiver, and the Hookline instances it started. */
public final class Fixture implements AutoCloseable {
  public final TestInfra infra;
  public final Receiver receiver;
  private final List<Hookline> started = new ArrayList<>();

  private Fixture(TestInfra infra, Receiver receiver) {
    this.infra = infra;
    this.receiver = receiver;
  }

  public static Fixture create(Vertx vertx) {
    return new Fixture(TestInfra.create(), Receiver.start(vertx));
  }

  /** Starts Hookline on {@code vertx} with the test config, its delivery section overlaid with {@code delivery}. */
  public Hookline start(Vertx vertx, JsonObject delivery) {
    JsonObject config = infra.config();
    config.getJsonObject("delivery").mergeIn(delivery);
    return startWithConfig(vertx, config);
  }

  public Hookline startWithConfig(Vertx vertx, JsonObject config) {
    return startWithConfig(vertx, config, HostResolver.system(vertx));
  }

  /** As above, resolving receiver host names through {@code resolver}. */
  public Hookline startWithConfig(Vertx vertx, JsonObject config, HostResolver resolver) {
    Hookline hookline = Hookline.start(vertx, config, null, resolver).await();
    started.add(hookline);
    return hookline;
  }

  /** Stopping twice is harmless: {@link Hookline#stop()} is idempotent. */
  @Override
  public void close() {
    try {
      started.forEach(h -> h.stop().await());
      receiver.close();
    } finally {
      infra.close();
    }
  }
}
