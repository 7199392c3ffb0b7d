package dev.hookline.testing;

import dev.hookline.queue.DueQueue;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** Lifecycle for intake tests: one database per class, emptied and re-wired for each test. */
@ExtendWith(VertxExtension.class)
public abstract class IntakeTestBase {
  protected static TestInfra infra;
  private IntakeHarness harness;
  protected Pool pool;
  protected Redis redis;
  protected DueQueue queue;

  @BeforeAll
  static void createDatabase() {
    infra = TestInfra.create();
    IntakeHarness.migrate(infra);
  }

  @AfterAll
  static void dropDatabase() {
    infra.close();
  }

  @BeforeEach
  void startIntake(Vertx vertx) {
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
