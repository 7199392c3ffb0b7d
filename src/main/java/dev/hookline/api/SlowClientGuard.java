package dev.hookline.api;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashMap;
import java.util.Map;

/**
 * Closes a connection whose next request (headers and body) has not fully arrived within
 * {@code readTimeoutMillis} of the connection opening or of its previous answer, so a client
 * trickling bytes (slow loris) cannot hold connections. Handling time is not limited. Used from
 * the API verticle's event loop only.
 */
final class SlowClientGuard {
  private final Vertx vertx;
  private final long readTimeoutMillis;
  private final Map<HttpConnection, State> connections = new HashMap<>();

  SlowClientGuard(Vertx vertx, long readTimeoutMillis) {
    this.vertx = vertx;
    this.readTimeoutMillis = readTimeoutMillis;
  }

  /** Guards every connection of {@code server}, handing complete requests to {@code handler}. */
  void guard(HttpServer server, Handler<HttpServerRequest> handler) {
    server.connectionHandler(connection -> {
      State state = new State();
      connections.put(connection, state);
      connection.closeHandler(closed -> {
        State gone = connections.remove(connection);
        if (gone != null) {
          gone.cancel(vertx);
        }
      });
      state.arm(vertx, connection, readTimeoutMillis);
    });
    server.requestHandler(request -> {
      HttpConnection connection = request.connection();
      State state = connections.get(connection);
      if (state != null) {
        state.inFlight++;
        boolean[] done = new boolean[1];
        // Fully read: the clock stops while it is handled. An answer sent before the body was read
        // (a 401, a 404) has already restarted the clock for the rest, which must then keep running.
        request.end().onComplete(read -> {
          if (!done[0]) {
            state.cancel(vertx);
          }
        });
        Handler<Void> answered = v -> {
          if (!done[0]) {
            done[0] = true;
            answered(connection, state);
          }
        };
        request.response().closeHandler(answered);
        request.response().endHandler(answered);
      }
      handler.handle(request);
    });
  }

  private void answered(HttpConnection connection, State state) {
    if (--state.inFlight == 0 && connections.containsKey(connection)) {
      state.arm(vertx, connection, readTimeoutMillis);
    }
  }

  private static final class State {
    long timer = -1;
    int inFlight;

    void arm(Vertx vertx, HttpConnection connection, long millis) {
      cancel(vertx);
      timer = vertx.setTimer(millis, id -> connection.close());
    }

    void cancel(Vertx vertx) {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }
}
