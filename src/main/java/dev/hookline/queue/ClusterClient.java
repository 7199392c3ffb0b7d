package dev.hookline.queue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A Redis Cluster client that keeps one cluster connection per Vert.x context and sends everything
 * through it (each node's connection pipelines the requests of that context).
 *
 * <p>Why not the cluster client used connection-less, as on one server: there, every command
 * takes a connection to every node from their pools at once, so a few more concurrent commands
 * than a pool holds each grab part of the nodes and wait for the rest, for ever (seen: every
 * worker stuck within a second of load). Kept per context, the connections are few (one per event
 * loop that uses Redis, per node) and answers come back on the caller's context.
 *
 * <p>A connection that fails other than by a Redis error reply (a node died, a link broke) is
 * closed and made anew by the next command, from the cluster's current slot map.
 */
final class ClusterClient implements Redis {
  private final Redis client;
  private final Map<Object, Future<RedisConnection>> connections = new ConcurrentHashMap<>();

  ClusterClient(Redis client) {
    this.client = client;
  }

  @Override
  public Future<RedisConnection> connect() {
    return client.connect();
  }

  @Override
  public Future<Response> send(Request request) {
    return use(connection -> connection.send(request));
  }

  @Override
  public Future<List<Response>> batch(List<Request> requests) {
    return use(connection -> connection.batch(requests));
  }

  @Override
  public Future<Void> close() {
    connections.values().forEach(connection -> connection.onSuccess(RedisConnection::close));
    connections.clear();
    return client.close();
  }

  private <T> Future<T> use(Function<RedisConnection, Future<T>> call) {
    Context context = Vertx.currentContext();
    Object owner = context == null ? this : context;
    Future<RedisConnection> connection = connections.computeIfAbsent(owner, key -> client.connect());
    return connection
        .compose(call::apply)
        .onFailure(error -> {
          if (!Outage.isAnswer(error) && connections.remove(owner, connection)) {
            connection.onSuccess(RedisConnection::close);
          }
        });
  }
}
