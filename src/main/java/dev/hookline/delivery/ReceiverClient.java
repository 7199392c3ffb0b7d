package dev.hookline.delivery;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.PoolOptions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The one HTTP client all delivery verticles share, and since when each of its connections has sat
 * idle in the pool. A request that fails before any answer on a connection that sat idle for a
 * while most likely met a connection the receiver had closed meanwhile (its keep-alive timer ran
 * out as the request went out); that is worth one more try on a fresh connection.
 */
public final class ReceiverClient {
  /** Idle at least this long, a connection's failure before any answer is taken to be a stale connection. */
  static final long STALE_AFTER_MILLIS = 2_000;

  private final HttpClientAgent agent;
  /** Marks a connection that is carrying a request, or has never finished one. */
  private static final long IN_USE = Long.MIN_VALUE;

  /**
   * Open connection -> System.nanoTime() when it last finished an exchange (or {@link #IN_USE}).
   * Entries are made when a connection opens and removed when it closes; updates only replace, so
   * a connection that closed meanwhile is never put back.
   */
  private final Map<HttpConnection, Long> idleSince = new ConcurrentHashMap<>();

  /**
   * The core client rather than the WebClient, because only a core request can be reset when its
   * deadline passes. Redirects are never followed: a 3xx is a permanent failure by contract, and
   * following one could carry the payload somewhere unvetted.
   */
  public ReceiverClient(Vertx vertx, Duration timeout, int connectionsPerOrigin) {
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())))
        .setForceSni(true)
        .setVerifyHost(true)
        .setMaxHeaderSize(16 * 1024);
    this.agent = vertx.httpClientBuilder()
        .with(options)
        .with(new PoolOptions().setHttp1MaxSize(connectionsPerOrigin).setHttp2MaxSize(connectionsPerOrigin))
        .withConnectHandler(connection -> {
          InterimResponses.install(connection);
          idleSince.put(connection, IN_USE);
          connection.closeHandler(closed -> idleSince.remove(connection));
        })
        .build();
  }

  HttpClientAgent agent() {
    return agent;
  }

  /** Takes {@code connection} for a request; answers whether it had sat idle long enough to be stale. */
  boolean takeMaybeStale(HttpConnection connection) {
    Long since = idleSince.replace(connection, IN_USE);
    return since != null && since != IN_USE
        && System.nanoTime() - since >= TimeUnit.MILLISECONDS.toNanos(STALE_AFTER_MILLIS);
  }

  /** {@code connection} finished an exchange and may go back to the pool. */
  void release(HttpConnection connection) {
    idleSince.replace(connection, System.nanoTime());
  }

  public Future<Void> close() {
    return agent.close();
  }
}
