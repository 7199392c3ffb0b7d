package dev.hookline.testing;

import dev.hookline.Hookline;
import dev.hookline.security.HostResolver;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One test's world: a database and key prefix (its own, or its class's {@link ClassDatabase}), a
 * receiver, and the Hookline instances it started.
 */
public final class Fixture implements AutoCloseable {
  public final TestInfra infra;
  public final Receiver receiver;
  private final boolean ownsInfra;
  private final List<Hookline> started = new ArrayList<>();

  private Fixture(TestInfra infra, boolean ownsInfra, Receiver receiver) {
    this.infra = infra;
    this.ownsInfra = ownsInfra;
    this.receiver = receiver;
  }

  /** With a database of the test's own, dropped by {@link #close()}. */
  public static Fixture create(Vertx vertx) {
    return new Fixture(TestInfra.create(), true, Receiver.start(vertx));
  }

  /** On the class's database, emptied for this test by the {@link ClassDatabase} and left to it. */
  public static Fixture create(Vertx vertx, ClassDatabase database) {
    return new Fixture(database.infra(), false, Receiver.start(vertx));
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

  /**
   * {@link PumpProbe#awaitAPass}: waits until a probe due {@code after} from now has been attempted
   * by the Hookline this fixture started last, to prove it had its chance to send anything else.
   */
  public long awaitAPumpPass(Vertx vertx, Duration after) {
    if (started.isEmpty()) {
      throw new IllegalStateException("no Hookline started");
    }
    return PumpProbe.awaitAPass(vertx, infra, started.get(started.size() - 1).queue(), after);
  }

  /**
   * Stops every Hookline this fixture started (stopping twice is harmless: {@link Hookline#stop()}
   * is idempotent) and the receiver, then drops the database if it is the fixture's own.
   */
  @Override
  public void close() {
    try {
      started.forEach(h -> h.stop().await());
      receiver.close();
    } finally {
      if (ownsInfra) {
        infra.close();
      }
    }
  }
}
