package dev.hookline.api;

import dev.hookline.delivery.SentRequests;
import dev.hookline.domain.ChangeResult;
import dev.hookline.domain.DeliveryFilter;
import dev.hookline.domain.DeliveryNotFoundException;
import dev.hookline.domain.ReplayFilter;
import dev.hookline.domain.TenantMismatchException;
import dev.hookline.intake.CreateReply;
import dev.hookline.intake.DeliveryIntake;
import dev.hookline.ops.Replay;
import dev.hookline.store.OperatorRepository;
import dev.hookline.web.ApiError;
import dev.hookline.web.Caller;
import dev.hookline.web.QueryParams;
import dev.hookline.web.RequestBodies;
import dev.hookline.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.UUID;

/** Handlers for {@code /v1/deliveries}. */
final class DeliveriesApi {
  private final DeliveryIntake intake;
  private final DeliveryIntake.Grouped grouped;
  private final OperatorRepository operator;
  private final Replay replay;
  private final SentRequests sentRequests;

  DeliveriesApi(DeliveryIntake intake, OperatorRepository operator, Replay replay, SentRequests sentRequests) {
    this.intake = intake;
    // Built on the API verticle's event loop, which is where every request is handled.
    this.grouped = intake.grouped();
    this.operator = operator;
    this.replay = replay;
    this.sentRequests = sentRequests;
  }

  void create(RoutingContext ctx) {
    JsonObject body = RequestBodies.jsonBody(ctx, true);
    confineCreate(ctx, body, "organizationId");
    grouped.create(body).onComplete(ar -> {
      if (ar.succeeded()) {
        CreateReply reply = ar.result();
        Responses.json(ctx, "created".equals(reply.status()) ? 201 : 200, reply.toJson());
      } else {
        Responses.fail(ctx, ar.cause());
      }
    });
  }

  /** A JSON array of create bodies in, a JSON array of per-item results out, same order. */
  void createBatch(RoutingContext ctx) {
    Object body = RequestBodies.jsonValue(ctx, "a JSON array of create requests");
    if (!(body instanceof JsonArray creates)) {
      throw ApiError.badRequest("body", "body: must be a JSON array of create requests");
    }
    for (int i = 0; i < creates.size(); i++) {
      if (creates.getValue(i) instanceof JsonObject create) {
        confineCreate(ctx, create, "[" + i + "].organizationId");
      }
    }
    intake.createAll(creates).onComplete(ar -> {
      if (ar.failed()) {
        Responses.fail(ctx, ar.cause());
        return;
      }
      boolean operatorCaller = Caller.of(ctx).isOperator();
      JsonArray items = new JsonArray();
      ar.result().forEach(item -> {
        JsonObject json = item.toJson();
        if (!operatorCaller && item.error() instanceof TenantMismatchException mismatch) {
          json.put("error", mismatch.withoutOwner());
        }
        items.add(json);
      });
      ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(items.encode());
    });
  }

  void get(RoutingContext ctx) {
    UUID uuid = QueryParams.uuid(ctx);
    Responses.respond(ctx, visible(ctx, uuid));
  }

  void attempts(RoutingContext ctx) {
    UUID uuid = QueryParams.uuid(ctx);
    Responses.respond(ctx, visible(ctx, uuid).compose(found -> operator.attempts(uuid)).map(found -> {
      if (found == null) {
        throw new DeliveryNotFoundException(uuid);
      }
      return new JsonObject().put("items", found);
    }));
  }

  /** The request an attempt sends, secrets masked; a delivery this caller may not see is a 404 like a missing one. */
  void request(RoutingContext ctx) {
    UUID uuid = QueryParams.uuid(ctx);
    Caller caller = Caller.of(ctx);
    Responses.respond(ctx, sentRequests.show(uuid, caller::sees).map(request -> {
      if (request == null) {
        throw new DeliveryNotFoundException(uuid);
      }
      return request;
    }));
  }

  /** The delivery, if it exists and this caller may see it; otherwise a 404 that says no more. */
  private Future<JsonObject> visible(RoutingContext ctx, UUID uuid) {
    Caller caller = Caller.of(ctx);
    return operator.find(uuid).map(found -> {
      if (found == null || !caller.sees(found.getLong("organizationId"))) {
        throw new DeliveryNotFoundException(uuid);
      }
      return found;
    });
  }

  /** A tenant token creates only in its own organization; naming another is refused before anything is read. */
  static void confineCreate(RoutingContext ctx, JsonObject create, String field) {
    Caller caller = Caller.of(ctx);
    Object named = create.getValue("organizationId");
    if (!caller.isOperator() && named instanceof Number number && number.longValue() != caller.organizationId()) {
      throw new ApiError(403, field, field + ": this token creates deliveries for organization "
          + caller.organizationId() + " only");
    }
  }

  void list(RoutingContext ctx) {
    DeliveryFilter filter = confine(ctx, QueryParams.listFilter(ctx));
    int limit = QueryParams.limit(ctx);
    long after = QueryParams.after(ctx);
    Responses.respond(ctx, operator.list(filter, after, limit).map(items -> new JsonObject()
        .put("items", new JsonArray(List.copyOf(items)))
        .put("next", items.size() < limit ? null : String.valueOf(items.get(items.size() - 1).getLong("id")))));
  }

  /** How many deliveries the list's filters match: what a bulk action by them would consider. */
  void count(RoutingContext ctx) {
    DeliveryFilter filter = confine(ctx, QueryParams.listFilter(ctx));
    Responses.respond(ctx, operator.count(filter).map(count -> new JsonObject().put("count", count)));
  }

  void retry(RoutingContext ctx) {
    UUID uuid = QueryParams.uuid(ctx);
    Responses.respond(ctx, visible(ctx, uuid).compose(found -> replay.retry(uuid)));
  }

  /** A final delivery back to pending with a fresh budget; 409 while it is pending. */
  void resend(RoutingContext ctx) {
    UUID uuid = QueryParams.uuid(ctx);
    Responses.respond(ctx, visible(ctx, uuid).compose(found -> replay.resend(uuid)));
  }

  void cancel(RoutingContext ctx) {
    UUID uuid = QueryParams.uuid(ctx);
    Responses.respond(ctx, visible(ctx, uuid).compose(found -> replay.cancel(uuid))
        .compose(result -> changed(uuid, result, "only a pending delivery can be cancelled")));
  }

  void retryAll(RoutingContext ctx) {
    JsonObject body = RequestBodies.jsonBody(ctx, false);
    DeliveryFilter filter = confine(ctx, ReplayFilter.retry(body == null ? new JsonObject() : body));
    Responses.respond(ctx, replay.retryAll(filter).map(count -> new JsonObject().put("retried", count)));
  }

  void resendAll(RoutingContext ctx) {
    JsonObject body = RequestBodies.jsonBody(ctx, false);
    DeliveryFilter filter = confine(ctx, ReplayFilter.resend(body == null ? new JsonObject() : body));
    Responses.respond(ctx, replay.resendAll(filter).map(count -> new JsonObject().put("resent", count)));
  }

  private static DeliveryFilter confine(RoutingContext ctx, DeliveryFilter filter) {
    return filter.withOrganization(Caller.of(ctx).confine(filter.organizationId(), "organizationId"));
  }

  private Future<JsonObject> changed(UUID uuid, ChangeResult result, String conflict) {
    return result.orFailure(uuid, conflict).compose(done -> operator.findWithoutPayload(uuid));
  }
}
