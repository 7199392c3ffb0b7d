package dev.hookline.api;

import dev.hookline.config.ApiToken;
import dev.hookline.credentials.CredentialIntake;
import dev.hookline.credentials.CredentialStore;
import dev.hookline.credentials.CredentialsApi;
import dev.hookline.delivery.CircuitBreaker;
import dev.hookline.delivery.InFlight;
import dev.hookline.delivery.SentRequests;
import dev.hookline.intake.DeliveryIntake;
import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.ops.Health;
import dev.hookline.ops.Replay;
import dev.hookline.ops.TestSends;
import dev.hookline.queue.ConsoleSessions;
import dev.hookline.queue.DueQueue;
import dev.hookline.store.DeliveryStats;
import dev.hookline.store.DisabledEndpoints;
import dev.hookline.store.OperatorRepository;
import dev.hookline.web.ApiError;
import dev.hookline.web.Caller;
import dev.hookline.web.RequestBodies;
import dev.hookline.web.Responses;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The HTTP API's routes. Health and the console's pages are open; everything else sits behind the
 * bearer check (or a console session).
 */
public final class ApiRouter {
  private static final String OPENAPI_RESOURCE = "openapi.json";

  private ApiRouter() {
  }

  /** Everything a router needs; built once by the composition root. */
  public record Deps(DeliveryIntake intake, OperatorRepository operator, Replay replay, Health health,
                     HooklineMetrics metrics, CredentialIntake credentialIntake, CredentialStore credentials,
                     List<ApiToken> apiTokens, int maxRequestBytes, Buffer openapi,
                     DisabledEndpoints disabledEndpoints, TestSends testSends, ConsoleSessions consoleSessions,
                     Console console) {
  }

  /** What the console's views read besides the store: the queue, this process's circuits and attempts in flight. */
  public record Console(DueQueue queue, CircuitBreaker circuits, InFlight inFlight, DeliveryStats stats,
                        SentRequests sentRequests) {
  }

  public static Router create(Vertx vertx, Deps deps) {
    Router router = Router.router(vertx);
    DeliveriesApi deliveries = new DeliveriesApi(deps.intake(), deps.operator(), deps.replay(),
        deps.console().sentRequests());

    BearerAuth auth = new BearerAuth(deps.apiTokens(), deps.consoleSessions());
    router.get("/health/live").handler(ctx -> Responses.json(ctx, 200, new JsonObject().put("status", "up")));
    // Open to probes, which need only up or down; what is down, and why, only an operator is told.
    router.get("/health/ready").handler(ctx -> deps.health().check().onComplete(ar -> {
      Health.Report report = ar.result();
      Caller caller = auth.open() ? Caller.OPERATOR : auth.caller(ctx.request().getHeader("Authorization"));
      JsonObject body = caller != null && caller.isOperator() ? report.toJson()
          : new JsonObject().put("status", report.up() ? "up" : "down");
      Responses.json(ctx, report.up() ? 200 : 503, body);
    }));

    new ConsoleSite(vertx, auth, deps.consoleSessions(), deps.metrics()).mount(router, deps.maxRequestBytes());

    router.route().handler(auth);
    router.get("/metrics").handler(ctx -> {
      if (!Caller.of(ctx).isOperator()) {
        ApiError.send(ctx, 403, null, "metrics cover every organization: they need an operator token");
        return;
      }
      ctx.response()
          .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
          .end(deps.metrics().scrape());
    });
    router.get("/openapi.json").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json").end(deps.openapi()));

    router.route("/v1/*").handler(BodyHandler.create(false).setBodyLimit(deps.maxRequestBytes()));
    router.post("/v1/deliveries").handler(deliveries::create);
    router.post("/v1/deliveries/batch").handler(deliveries::createBatch);
    router.post("/v1/deliveries/retry").handler(deliveries::retryAll);
    router.post("/v1/deliveries/resend").handler(deliveries::resendAll);
    router.get("/v1/deliveries").handler(deliveries::list);
    router.get("/v1/deliveries/count").handler(deliveries::count);
    router.get("/v1/deliveries/:uuid").handler(deliveries::get);
    router.get("/v1/deliveries/:uuid/attempts").handler(deliveries::attempts);
    router.get("/v1/deliveries/:uuid/request").handler(deliveries::request);
    router.post("/v1/deliveries/:uuid/retry").handler(deliveries::retry);
    router.post("/v1/deliveries/:uuid/cancel").handler(deliveries::cancel);
    router.post("/v1/deliveries/:uuid/resend").handler(deliveries::resend);
    new CredentialsApi(deps.credentialIntake(), deps.credentials()).mount(router);
    new EndpointsApi(deps.disabledEndpoints()).mount(router);
    new ConsoleApi(deps.operator(), deps.disabledEndpoints(), deps.console()).mount(router);
    router.post("/v1/test-deliveries").handler(ctx -> testSend(ctx, deps.testSends()));

    router.route().failureHandler(ctx -> failure(ctx, deps.maxRequestBytes()));
    router.errorHandler(404, ctx -> ApiError.send(ctx, 404, null, "no such resource: " + ctx.request().path()));
    router.errorHandler(405, ctx -> ApiError.send(ctx, 405, null, "method not allowed"));
    return router;
  }

  /** A tenant token tests only in its own organization, as it creates only there. */
  private static void testSend(RoutingContext ctx, TestSends testSends) {
    JsonObject body = RequestBodies.jsonBody(ctx, true);
    DeliveriesApi.confineCreate(ctx, body, "organizationId");
    Responses.respond(ctx, testSends.send(body));
  }

  /** {@code maxRequestBytes} is told in a 413, so a client knows how far to shrink and an operator what to raise. */
  private static void failure(RoutingContext ctx, int maxRequestBytes) {
    if (ctx.failure() != null) {
      Responses.fail(ctx, ctx.failure());
    } else if (ctx.statusCode() == 413) {
      ApiError.send(ctx, 413, "body", "request body is over the limit of " + maxRequestBytes
          + " bytes (http.maxRequestBytes)");
    } else {
      ApiError.send(ctx, ctx.statusCode() > 0 ? ctx.statusCode() : 500, null, "request failed");
    }
  }

  /** The OpenAPI document from the classpath. Blocking: call it off the event loop, once. */
  public static Buffer loadOpenApi() {
    try (InputStream in = ApiRouter.class.getClassLoader().getResourceAsStream(OPENAPI_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the classpath");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
