package dev.hookline.cli;

import dev.hookline.config.HooklineConfig;
import dev.hookline.queue.DueQueue;
import dev.hookline.store.OperatorRepository;
import dev.hookline.store.PostgresPool;
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

  OfflineClients(HooklineConfig config) {
    pool = PostgresPool.create(vertx, config.postgres().connectOptions(), 2);
    redis = DueQueue.createClient(vertx, config.redis().url(), 2);
    queue = new DueQueue(redis, config.redis().keyPrefix(), config.redis().shards());
    operator = new OperatorRepository(pool);
  }

  @Override
  public void close() {
    redis.close();
    pool.close().await();
    vertx.close().await();
  }
}
