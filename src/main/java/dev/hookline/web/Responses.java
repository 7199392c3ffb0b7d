package dev.hookline.web;

import dev.hookline.domain.Failure;
import dev.hookline.domain.RateLimitedException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** JSON answers for the HTTP handlers, failures through the one {@link Failure} mapping. */
public final class Responses {
  private static final Logger LOG = LoggerFactory.getLogger(Responses.class);

  private Responses() {
  }

  public static void respond(RoutingContext ctx, Future<JsonObject> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        json(ctx, 200, ar.result());
      } else {
        fail(ctx, ar.cause());
      }
    });
  }

  public static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  public static void fail(RoutingContext ctx, Throwable error) {
    if (error instanceof ApiError api) {
      api.send(ctx);
      return;
    }
    if (error instanceof RateLimitedException limited) {
      ctx.response().putHeader("Retry-After", Long.toString(limited.retryAfterSeconds()));
    }
    // Which organization owns a run is for operators; a tenant learns only that it is not theirs.
    Failure failure = Failure.of(error, Caller.of(ctx).isOperator());
    if (failure.kind() == Failure.Kind.INTERNAL) {
      LOG.error("API request {} {} failed unexpectedly", ctx.request().method(), ctx.request().path(), error);
    } else if (failure.isServerSide()) {
      LOG.error("API request {} {} failed: {} ({})", ctx.request().method(), ctx.request().path(), failure.message(),
          error.getClass().getSimpleName());
    }
    ApiError.send(ctx, failure.httpStatus(), failure.field(), failure.message());
  }
}
