package dev.hookline.testing;

import dev.hookline.queue.DueQueue;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Lifecycle for intake tests: one database per class ({@link ClassDatabase}), emptied and re-wired for each test. */
@ExtendWith(VertxExtension.class)
public abstract class IntakeTestBase {
  @RegisterExtension
  protected static final ClassDatabase DATABASE = new ClassDatabase();
  protected TestInfra infra;
  private IntakeHarness harness;
  protected Pool pool;
  protected Redis redis;
  protected DueQueue queue;

  @BeforeEach
  void startIntake(Vertx vertx) {
    infra = DATABASE.infra();
    harness = IntakeHarness.start(vertx, infra);
    pool = harness.pool;
    redis = harness.redis;
    queue = harness.queue;
  }

  @AfterEach
  void stopIntake() {
    harness.close();
  }
}
