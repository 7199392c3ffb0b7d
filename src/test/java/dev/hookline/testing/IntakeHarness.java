package dev.hookline.testing;

import dev.hookline.intake.CreateRequestParser;
import dev.hookline.intake.DeliveryIntake;
import dev.hookline.intake.DestinationCheck;
import dev.hookline.intake.IntegrationVerticle;
import dev.hookline.intake.PayloadFreezer;
import dev.hookline.intake.RetryDefaults;
import dev.hookline.intake.TemplateRenderer;
import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.DueQueue;
import dev.hookline.queue.Schedule;
import dev.hookline.security.AddressPolicy;
import dev.hookline.security.DestinationGuard;
import dev.hookline.security.HostResolver;
import dev.hookline.store.DeliveryRepository;
import dev.hookline.store.PostgresPool;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Intake alone against real Postgres and Redis, with no delivery verticles, so what a create left
 * behind (row and queue entry) can be inspected before anything consumes it, on a database that is
 * migrated and empty (a {@link ClassDatabase}).
 */
public final class IntakeHarness implements AutoCloseable {
  public static final int MAX_PAYLOAD_BYTES = 1_024;
  /**
   * Every name resolves to one public address (example.com's), so the create-time look-up passes
   * without real DNS; nothing here connects to it. Tests about refused answers script their own.
   */
  private static final HostResolver PUBLIC_DNS = host -> {
    try {
      return Future.succeededFuture(List.of(InetAddress.getByAddress(host, new byte[] {93, (byte) 184, (byte) 215, 14})));
    } catch (UnknownHostException e) {
      return Future.failedFuture(e);
    }
  };

  /** The seed's delivery.* retry keys and retention.days, as conf/hookline.json holds them. */
  public static final RetryDefaults SEED_RETRY = new RetryDefaults(5, Duration.ofSeconds(30), Duration.ofSeconds(600), 30);

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
    AddressPolicy policy = AddressPolicy.withAllowedNetworks(List.of());
    DeliveryIntake intake = new DeliveryIntake(vertx, new DeliveryRepository(pool, 3), new Schedule(vertx, queue),
        new CreateRequestParser(policy, "X-Dograh", SEED_RETRY), new DestinationCheck(new DestinationGuard(policy, PUBLIC_DNS)),
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
