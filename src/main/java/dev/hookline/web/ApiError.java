package dev.hookline.web;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Every API error is {@code {"error": "...", "field": "..."}} with the right status. */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String field;

  public ApiError(int status, String field, String message) {
    super(message, null, false, false);
    this.status = status;
    this.field = field;
  }

  public static ApiError badRequest(String field, String message) {
    return new ApiError(400, field, message);
  }

  public static void send(RoutingContext ctx, int status, String field, String message) {
    if (ctx.response().ended() || ctx.response().headWritten()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", message).put("field", field).encode());
  }

  public void send(RoutingContext ctx) {
    send(ctx, status, field, getMessage());
  }
}
