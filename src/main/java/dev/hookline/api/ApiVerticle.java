package dev.hookline.api;

import dev.hookline.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves the API router on {@code http.host:http.port}; reports the bound port (0 picks a free one). */
public final class ApiVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);

  private final ApiRouter.Deps deps;
  private final String host;
  private final int port;
  private final Duration readTimeout;
  private final AtomicInteger boundPort;
  private HttpServer server;

  /**
   * {@code readTimeout} bounds how long a request may take to arrive (headers and body), and so
   * also how long a keep-alive connection may sit idle between requests.
   */
  public ApiVerticle(ApiRouter.Deps deps, String host, int port, Duration readTimeout, AtomicInteger boundPort) {
    this.deps = deps;
    this.host = host;
    this.port = port;
    this.readTimeout = readTimeout;
    this.boundPort = boundPort;
  }

  @Override
  public Future<?> start() {
    if (deps.apiTokens().isEmpty()) {
      LOG.warn("no API token configured: the HTTP API on {} is open to anything that can reach this loopback address",
          host);
    }
    // No cleartext HTTP/2 upgrade: with it, Vert.x makes the connection (and the guard's first
    // timer) only once the first request's headers are complete, so they could be trickled forever.
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
        .setHttp2ClearTextEnabled(false));
    new SlowClientGuard(vertx, Math.max(1, readTimeout.toMillis())).guard(server, ApiRouter.create(vertx, deps));
    return server.listen()
        .recover(error -> Future.failedFuture(listenFailure(error)))
        .onSuccess(s -> boundPort.set(s.actualPort()));
  }

  /**
   * The bind error alone ("bind(..) failed with error(-98)") names neither the server, the address
   * nor the setting to change; this says all three.
   */
  private IllegalStateException listenFailure(Throwable error) {
    String address = (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    String where = "HTTP API cannot listen on " + address + ": ";
    String portKey = "http.port (" + ConfigLoader.envName("http", "port") + ")";
    if (addressInUse(error)) {
      return new IllegalStateException(where + "address already in use; set " + portKey + " to a free port", error);
    }
    return new IllegalStateException(where + error.getMessage() + "; check http.host ("
        + ConfigLoader.envName("http", "host") + ") and " + portKey, error);
  }

  /** EADDRINUSE, whichever transport reports it: the JDK's BindException or Netty's native epoll error. */
  private static boolean addressInUse(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("address already in use")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Future<?> stop() {
    return server.close();
  }
}
