package dev.hookline.cli;

import dev.hookline.config.HooklineConfig;
import dev.hookline.config.ServiceUnreachable;
import dev.hookline.ops.Replay;
import dev.hookline.queue.DueQueue;
import dev.hookline.queue.Outage;
import dev.hookline.queue.Schedule;
import dev.hookline.store.OperatorRepository;
import dev.hookline.store.PostgresPool;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;

/** The clients a one-shot command needs, without deploying any verticle; closed when done. */
final class OfflineClients implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final Pool pool;
  final Redis redis;
  final DueQueue queue;
  final OperatorRepository operator;

  private final HooklineConfig config;

  OfflineClients(HooklineConfig config) {
    this.config = config;
    pool = PostgresPool.create(vertx, config.postgres().connectOptions(), 2);
    redis = DueQueue.createClient(vertx, config.redis(), 2);
    queue = new DueQueue(redis, config.redis(), Outage.none());
    operator = new OperatorRepository(pool);
  }

  /**
   * One round trip to Postgres, so that a command fails first with which service is unreachable
   * and which setting points at it, rather than with the socket's bare error half-way through.
   */
  void requirePostgres() {
    pool.query("SELECT 1").execute()
        .recover(error -> Future.failedFuture(ServiceUnreachable.postgres(config.postgres(), error)))
        .await();
  }

  /**
   * A database nobody has migrated yet would otherwise answer with "relation webhook_deliveries
   * does not exist", which says nothing about what to do.
   */
  void requireSchema() {
    if (!operator.hasSchema().await()) {
      throw new IllegalStateException("Postgres at " + config.postgres().redactedUrl() + " has no Hookline tables yet:"
          + " run `java -jar hookline.jar migrate` with the same configuration (or start `run` once), which creates them");
    }
  }

  /** As {@link #requirePostgres()}, for Redis. */
  void requireRedis() {
    queue.ping()
        .recover(error -> Future.failedFuture(ServiceUnreachable.redis(config.redis(), error)))
        .await();
  }

  /** Replays with the configured fresh budget ({@code delivery.maxAttempts}), queued on this Redis. */
  Replay replay() {
    return new Replay(operator, new Schedule(vertx, queue), config.delivery().maxAttempts());
  }

  @Override
  public void close() {
    redis.close();
    pool.close().await();
    vertx.close().await();
  }
}
