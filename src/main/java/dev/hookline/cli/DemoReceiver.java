package dev.hookline.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook receiver of embedded mode, on 127.0.0.1 in Hookline's own Vert.x: it logs each
 * request it gets (method, path, the delivery id and attempt headers, the body) and answers 204, so
 * a first delivery can be watched end to end without writing a receiver.
 */
final class DemoReceiver {
  static final String PATH = "/hooks";
  private static final Logger LOG = LoggerFactory.getLogger(DemoReceiver.class);
  /** Enough to read a demo payload; a log line is no place for a large one. */
  private static final int LOGGED_BODY_CHARS = 2_000;

  private final String headerPrefix;
  private final HttpServer server;

  private DemoReceiver(HttpServer server, String headerPrefix) {
    this.server = server;
    this.headerPrefix = headerPrefix;
  }

  /** {@code port} 0 picks a free one; {@link #url()} tells which. */
  static Future<DemoReceiver> start(Vertx vertx, int port, String headerPrefix) {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port));
    DemoReceiver receiver = new DemoReceiver(server, headerPrefix);
    return server.requestHandler(receiver::handle).listen()
        .recover(e -> Future.failedFuture(new IllegalStateException("the demo receiver cannot listen on 127.0.0.1:"
            + port + " (" + e.getMessage() + "); choose another port with --receiver-port", e)))
        .map(receiver);
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort() + PATH;
  }

  private void handle(HttpServerRequest request) {
    request.body()
        .onSuccess(body -> {
          String text = body.toString();
          if (text.length() > LOGGED_BODY_CHARS) {
            text = text.substring(0, LOGGED_BODY_CHARS) + "… (" + body.length() + " bytes)";
          }
          LOG.info("Demo receiver got {} {} delivery-id={} attempt={} body={}", request.method(), request.path(),
              request.getHeader(headerPrefix + "-Delivery-Id"), request.getHeader(headerPrefix + "-Delivery-Attempt"),
              text);
          request.response().setStatusCode(204).end();
        })
        .onFailure(e -> LOG.info("Demo receiver: a request broke off ({})", e.getMessage()));
  }
}
