package dev.hookline.api;

import dev.hookline.domain.Fields;
import dev.hookline.store.DisabledEndpoints;
import dev.hookline.web.ApiError;
import dev.hookline.web.Caller;
import dev.hookline.web.QueryParams;
import dev.hookline.web.RequestBodies;
import dev.hookline.web.Responses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** Handlers for {@code /v1/endpoints}: the endpoint URLs disabled after a 410 Gone, and enabling them again. */
final class EndpointsApi {
  private final DisabledEndpoints disabled;

  EndpointsApi(DisabledEndpoints disabled) {
    this.disabled = disabled;
  }

  void mount(Router router) {
    router.get("/v1/endpoints/disabled").handler(this::list);
    router.post("/v1/endpoints/enable").handler(this::enable);
  }

  /** An operator may leave organizationId out to see every organization's; a tenant token sees its own. */
  private void list(RoutingContext ctx) {
    Long named = ctx.queryParams().contains("organizationId") ? QueryParams.requiredOrganization(ctx) : null;
    Long organization = Caller.of(ctx).confine(named, "organizationId");
    int limit = QueryParams.limit(ctx);
    Cursor after = Cursor.parse(ctx.queryParams().get("after"));
    Responses.respond(ctx, disabled.list(organization, after.organizationId(), after.url(), limit).map(items ->
        new JsonObject()
            .put("items", new JsonArray(List.copyOf(items)))
            .put("next", items.size() < limit ? null : Cursor.of(items.get(items.size() - 1)))));
  }

  private void enable(RoutingContext ctx) {
    JsonObject body = RequestBodies.jsonBody(ctx, true);
    long named = Fields.positiveLong(body, "organizationId");
    Object url = body.getValue("endpointUrl");
    if (!(url instanceof String endpointUrl) || endpointUrl.isBlank()) {
      throw ApiError.badRequest("endpointUrl", "endpointUrl: must be the disabled endpoint's URL, as listed");
    }
    long organization = Caller.of(ctx).confine(named, "organizationId");
    Responses.respond(ctx, disabled.enable(organization, endpointUrl).map(enabled -> {
      if (enabled == null) {
        throw new ApiError(404, "endpointUrl", "endpointUrl: " + endpointUrl + " is not disabled for organization "
            + organization);
      }
      return new JsonObject().put("enabled", enabled);
    }));
  }

  /** The last entry of a page, as "organizationId/endpointUrl"; opaque to clients. */
  private record Cursor(long organizationId, String url) {
    static Cursor parse(String raw) {
      if (raw == null || raw.isEmpty()) {
        return new Cursor(0, "");
      }
      int slash = raw.indexOf('/');
      try {
        return new Cursor(Long.parseLong(raw.substring(0, Math.max(0, slash))), raw.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw ApiError.badRequest("after", "after: not a cursor from a previous page");
      }
    }

    static String of(JsonObject last) {
      return last.getLong("organizationId") + "/" + last.getString("endpointUrl");
    }
  }
}
