package dev.hookline.store;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** Creates the single Postgres pool that every verticle shares. */
public final class PostgresPool {
  private PostgresPool() {
  }

  public static Pool create(Vertx vertx, PgConnectOptions options, int maxSize) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(maxSize))
        .connectingTo(options)
        .using(vertx)
        .build();
  }
}
