package dev.hookline.cli;

import dev.hookline.Hookline;
import dev.hookline.config.HooklineConfig;
import dev.hookline.intake.IntegrationVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code run --embedded}: Hookline against the embedded PostgreSQL and Redis, loopback receivers
 * allowed, and a demo receiver to deliver to; for trying Hookline out and for local development.
 * {@link #OFF} stands for a normal run, where every step does nothing.
 */
final class EmbeddedMode implements AutoCloseable {
  static final EmbeddedMode OFF = new EmbeddedMode(null, 0);
  /** The receiver {@code examples/create.json} names: the demo receiver on its default port. */
  static final String EXAMPLE_RECEIVER = "http://127.0.0.1:8090" + DemoReceiver.PATH;
  static final String LOOPBACK = "127.0.0.0/8";
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMode.class);

  private final EmbeddedServices services;
  private final int receiverPort;
  private volatile DemoReceiver receiver;

  private EmbeddedMode(EmbeddedServices services, int receiverPort) {
    this.services = services;
    this.receiverPort = receiverPort;
  }

  /**
   * Starts the embedded servers (blocking: call it on the main thread before any Vert.x work) and
   * points {@code json}, an already validated config tree, at them.
   */
  static EmbeddedMode start(Path dataDir, int receiverPort, JsonObject json) {
    List<String> allowed = HooklineConfig.from(json).security().allowedNetworks();
    EmbeddedServices services = EmbeddedServices.start(dataDir);
    json.getJsonObject("postgres").put("url", services.postgresUrl());
    json.getJsonObject("redis").put("url", services.redisUrl());
    JsonArray networks = new JsonArray(new ArrayList<>(allowed));
    if (!allowed.contains(LOOPBACK)) {
      networks.add(LOOPBACK);
    }
    json.getJsonObject("security").put("allowedNetworks", networks);
    LOG.warn("Embedded mode is for trying Hookline out and for local development, not for production: PostgreSQL"
        + " and Redis run from binaries inside the jar with their data in {}, postgres.url and redis.url point at"
        + " them, and security.allowedNetworks includes {} so that loopback receivers are allowed",
        services.dataDir(), LOOPBACK);
    return new EmbeddedMode(services, receiverPort);
  }

  Future<Void> startReceiver(Vertx vertx, HooklineConfig config) {
    if (services == null) {
      return Future.succeededFuture();
    }
    return DemoReceiver.start(vertx, receiverPort, config.delivery().headerPrefix())
        .onSuccess(started -> {
          receiver = started;
          LOG.info("Demo receiver listening on {}: it logs every webhook it gets and answers 204", started.url());
        })
        .mapEmpty();
  }

  /** Hookline is up and RunCommand's hook now stops everything in order; says how to try it. */
  void started(Hookline hookline) {
    if (services == null) {
      return;
    }
    services.releaseGuard();
    HooklineConfig.Http http = hookline.config().http();
    if (!http.enabled()) {
      LOG.info("Embedded mode is ready. The HTTP API is off (http.enabled false): send the body of"
          + " examples/create.json, its endpointUrl set to {}, to {} on the event bus", receiver.url(),
          IntegrationVerticle.CREATE_ADDRESS);
      return;
    }
    String api = "http://" + clientHost(http.host()) + ":" + hookline.httpPort();
    boolean needsToken = !http.apiTokens().isEmpty();
    LOG.info("Embedded mode is ready. From the Hookline checkout, create a delivery to the demo receiver:\n\n"
        + "    {}\n\n"
        + "then watch for the demo receiver's line here, and read the delivery back with"
        + " GET {}/v1/deliveries/<deliveryUuid>{}", curl(api, needsToken, receiver.url()), api,
        needsToken ? ". $TOKEN is one of http.apiTokens (HOOKLINE_API_TOKENS): an operator token, or a tenant"
            + " token of the organization in examples/create.json" : "");
  }

  /**
   * The create as a command to paste: {@code examples/create.json} as it is when the demo receiver
   * has its default port, else with its endpoint URL rewritten on the way.
   */
  static String curl(String api, boolean needsToken, String receiverUrl) {
    String post = "curl -sS -w '\\n' -H 'Content-Type: application/json'"
        + (needsToken ? " -H \"Authorization: Bearer $TOKEN\"" : "");
    if (EXAMPLE_RECEIVER.equals(receiverUrl)) {
      return post + " -d @examples/create.json " + api + "/v1/deliveries";
    }
    return "sed 's#" + EXAMPLE_RECEIVER + "#" + receiverUrl + "#' examples/create.json | " + post + " -d @- "
        + api + "/v1/deliveries";
  }

  /** Where a client on this machine reaches an API bound to {@code host}. */
  static String clientHost(String host) {
    if (host.equals("0.0.0.0")) {
      return "127.0.0.1";
    }
    if (host.equals("::") || host.equals("[::]")) {
      return "[::1]";
    }
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /** Stops the embedded servers: Redis, then PostgreSQL. Call it after Hookline and Vert.x are closed. */
  @Override
  public void close() {
    if (services != null) {
      services.close();
    }
  }
}
