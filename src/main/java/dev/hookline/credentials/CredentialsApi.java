package dev.hookline.credentials;

import dev.hookline.web.ApiError;
import dev.hookline.web.Caller;
import dev.hookline.web.QueryParams;
import dev.hookline.web.RequestBodies;
import dev.hookline.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/** {@code /v1/credentials}: create, rotate, read (masked) and delete, always within one organization. */
public final class CredentialsApi {
  private final CredentialIntake intake;
  private final CredentialStore store;

  public CredentialsApi(CredentialIntake intake, CredentialStore store) {
    this.intake = intake;
    this.store = store;
  }

  public void mount(Router router) {
    router.post("/v1/credentials").handler(this::create);
    router.get("/v1/credentials").handler(this::list);
    router.get("/v1/credentials/:uuid").handler(this::get);
    router.put("/v1/credentials/:uuid").handler(this::rotate);
    router.delete("/v1/credentials/:uuid").handler(this::delete);
  }

  void create(RoutingContext ctx) {
    write(ctx, intake.put(confined(ctx, RequestBodies.jsonBody(ctx, true))));
  }

  void rotate(RoutingContext ctx) {
    UUID uuid = QueryParams.uuid(ctx);
    JsonObject body = confined(ctx, RequestBodies.jsonBody(ctx, true)).put("credentialUuid", uuid.toString());
    write(ctx, intake.put(body));
  }

  /** A tenant token writes credentials of its own organization only (a 404 for any other). */
  private static JsonObject confined(RoutingContext ctx, JsonObject body) {
    Caller caller = Caller.of(ctx);
    if (!caller.isOperator() && body.getValue("organizationId") instanceof Number named) {
      caller.confine(named.longValue(), "organizationId");
    }
    return body;
  }

  /** The organization named by the query, which a tenant token may only name as its own. */
  private static long organization(RoutingContext ctx) {
    return Caller.of(ctx).confine(QueryParams.requiredOrganization(ctx), "organizationId");
  }

  void list(RoutingContext ctx) {
    long org = organization(ctx);
    Responses.respond(ctx, store.list(org).map(items -> {
      JsonArray array = new JsonArray();
      items.forEach(item -> array.add(item.toJson()));
      return new JsonObject().put("items", array);
    }));
  }

  void get(RoutingContext ctx) {
    UUID uuid = QueryParams.uuid(ctx);
    long org = organization(ctx);
    Responses.respond(ctx, store.find(org, uuid).map(found -> found
        .map(CredentialStore.StoredCredential::toJson)
        .orElseThrow(() -> new ApiError(404, "uuid", "no credential " + uuid + " in organization " + org))));
  }

  void delete(RoutingContext ctx) {
    UUID uuid = QueryParams.uuid(ctx);
    long org = organization(ctx);
    store.delete(org, uuid).onComplete(ar -> {
      if (ar.failed()) {
        Responses.fail(ctx, ar.cause());
      } else if (ar.result()) {
        ctx.response().setStatusCode(204).end();
      } else {
        ApiError.send(ctx, 404, "uuid", "no credential " + uuid + " in organization " + org);
      }
    });
  }

  private static void write(RoutingContext ctx, Future<CredentialStore.StoredCredential> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        Responses.json(ctx, ar.result().created() ? 201 : 200, ar.result().toJson());
      } else {
        Responses.fail(ctx, ar.cause());
      }
    });
  }
}
