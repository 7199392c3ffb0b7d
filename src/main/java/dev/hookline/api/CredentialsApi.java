package dev.hookline.api;

import dev.hookline.intake.CredentialIntake;
import dev.hookline.store.CredentialConflictException;
import dev.hookline.store.CredentialKeyException;
import dev.hookline.store.CredentialStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/** {@code /v1/credentials}: create, rotate, read (masked) and delete, always within one organization. */
final class CredentialsApi {
  private final CredentialIntake intake;
  private final CredentialStore store;

  CredentialsApi(CredentialIntake intake, CredentialStore store) {
    this.intake = intake;
    this.store = store;
  }

  void create(RoutingContext ctx) {
    write(ctx, intake.put(confined(ctx, DeliveriesApi.jsonBody(ctx, true))));
  }

  void rotate(RoutingContext ctx) {
    UUID uuid = QueryParams.uuid(ctx);
    JsonObject body = confined(ctx, DeliveriesApi.jsonBody(ctx, true)).put("credentialUuid", uuid.toString());
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
    DeliveriesApi.respond(ctx, store.list(org).map(items -> {
      JsonArray array = new JsonArray();
      items.forEach(item -> array.add(item.toJson()));
      return new JsonObject().put("items", array);
    }));
  }

  void get(RoutingContext ctx) {
    UUID uuid = QueryParams.uuid(ctx);
    long org = organization(ctx);
    DeliveriesApi.respond(ctx, store.find(org, uuid).map(found -> found
        .map(CredentialStore.StoredCredential::toJson)
        .orElseThrow(() -> new ApiError(404, "uuid", "no credential " + uuid + " in organization " + org))));
  }

  void delete(RoutingContext ctx) {
    UUID uuid = QueryParams.uuid(ctx);
    long org = organization(ctx);
    store.delete(org, uuid).onComplete(ar -> {
      if (ar.failed()) {
        DeliveriesApi.fail(ctx, ar.cause());
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
        DeliveriesApi.json(ctx, ar.result().created() ? 201 : 200, ar.result().toJson());
      } else if (ar.cause() instanceof CredentialConflictException conflict) {
        ApiError.send(ctx, 409, "credentialUuid", conflict.getMessage());
      } else if (ar.cause() instanceof CredentialKeyException keys) {
        ApiError.send(ctx, 503, null, keys.getMessage());
      } else {
        DeliveriesApi.fail(ctx, ar.cause());
      }
    });
  }
}
