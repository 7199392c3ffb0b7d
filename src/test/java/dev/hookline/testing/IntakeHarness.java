package dev.hookline.testing;

import dev.hookline.intake.CreateRequestParser;
import dev.hookline.intake.DeliveryIntake;
import dev.hookline.intake.IntegrationVerticle;
import dev.hookline.intake.PayloadFreezer;
import dev.hookline.intake.TemplateRenderer;
import dev.hookline.ops.HooklineMetrics;
import dev.hookline.queue.DueQueue;
import dev.hookline.security.AddressPolicy;
import dev.hookline.store.DeliveryRepository;
import dev.hookline.store.PostgresPool;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.util.List;

/**
 * Intake alone against real Postgres and Redis, with no delivery verticles, so what a create left
 * behind (row and queue entry) can be inspected before anything consumes it, on a database that is
 * migrated and empty (a {@link ClassDatabase}).
 */
public final class IntakeHarness implements AutoCloseable {
  public static final int MAX_PAYLOAD_BYTES = 1_024;

  public final Pool pool;
  public final Redis redis;
  public final DueQueue queue;

  private IntakeHarness(Pool pool, Redis redis, DueQueue queue) {
    this.pool = pool;
    this.redis = redis;
    this.queue = queue;
  }

  /** Deploys intake on {@code vertx} with the default destination policy. */
  public static IntakeHarness start(Vertx vertx, TestInfra infra) {
    Pool pool = PostgresPool.create(vertx, PgConnectOptions.fromUri(infra.postgresUrl()), 2);
    Redis redis = DueQueue.createClient(vertx, TestInfra.REDIS_URL, 2);
    DueQueue queue = new DueQueue(redis, infra.keyPrefix, 3);
    DeliveryIntake intake = new DeliveryIntake(vertx, new DeliveryRepository(pool, 3), queue,
        new CreateRequestParser(AddressPolicy.withAllowedNetworks(List.of()), "X-Dograh"),
        new PayloadFreezer(new TemplateRenderer(Clock.systemUTC()), MAX_PAYLOAD_BYTES), 5, HooklineMetrics.standalone());
    vertx.deployVerticle(new IntegrationVerticle(intake)).await();
    return new IntakeHarness(pool, redis, queue);
  }

  @Override
  public void close() {
    redis.close().await();
    pool.close().await();
  }
}
