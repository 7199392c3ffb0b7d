package dev.hookline.api;

import dev.hookline.delivery.CircuitBreaker;
import dev.hookline.store.DeliveryStats;
import dev.hookline.store.DisabledEndpoints;
import dev.hookline.store.OperatorRepository;
import dev.hookline.web.Caller;
import dev.hookline.web.QueryParams;
import dev.hookline.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The console's summaries: {@code /v1/overview} and {@code /v1/origins}. A tenant token sees its own
 * organization's counts and last hour, and only the circuits of origins it has deliveries to: which
 * other receivers are failing is another organization's business. Queue depth is one number for all.
 */
final class ConsoleApi {
  private final OperatorRepository operator;
  private final DisabledEndpoints disabled;
  private final ApiRouter.Console console;

  ConsoleApi(OperatorRepository operator, DisabledEndpoints disabled, ApiRouter.Console console) {
    this.operator = operator;
    this.disabled = disabled;
    this.console = console;
  }

  void mount(Router router) {
    router.get("/v1/overview").handler(this::overview);
    router.get("/v1/origins").handler(this::origins);
  }

  private void overview(RoutingContext ctx) {
    Long organization = organization(ctx);
    Future<Map<String, Long>> counts = operator.countByStatus(organization);
    Future<Long> depth = console.queue().size();
    Future<Double> oldest = operator.oldestPendingAgeSeconds(organization);
    Future<JsonArray> perMinute = console.stats().perMinute(organization);
    Future<Map<String, CircuitBreaker.OpenCircuit>> circuits = visibleCircuits(organization);
    Future<Long> disabledCount = disabled.count(organization);
    Responses.respond(ctx, Future.all(counts, depth, oldest, perMinute, circuits, disabledCount).map(all -> {
      JsonArray open = new JsonArray();
      new TreeMap<>(circuits.result()).forEach((origin, circuit) -> open.add(new JsonObject()
          .put("origin", origin).put("state", circuit.state()).put("until", circuit.until().toString())));
      return new JsonObject()
          .put("counts", new JsonObject(new TreeMap<>(counts.result())))
          .put("queueDepth", depth.result())
          .put("oldestPendingAgeSeconds", oldest.result())
          .put("perMinute", perMinute.result())
          .put("openCircuits", open)
          .put("disabledEndpoints", disabledCount.result());
    }));
  }

  /**
   * The origins attempted in the last hour, busiest first, then those with a circuit not closed and
   * no attempt in the hour (their deliveries wait for the cool-down): health, circuit and this
   * worker's attempts in flight.
   */
  private void origins(RoutingContext ctx) {
    Long organization = organization(ctx);
    Future<List<DeliveryStats.OriginHour>> hour = console.stats().originsLastHour(organization);
    Future<Map<String, CircuitBreaker.OpenCircuit>> circuits = visibleCircuits(organization);
    Responses.respond(ctx, Future.all(hour, circuits).map(all -> {
      JsonArray items = new JsonArray();
      Set<String> listed = new HashSet<>();
      for (DeliveryStats.OriginHour origin : hour.result()) {
        listed.add(origin.origin());
        items.add(item(origin.origin(), circuits.result())
            .put("attemptsLastHour", origin.attempts())
            .put("succeededLastHour", origin.succeeded())
            .put("successRate", origin.attempts() == 0 ? null : (double) origin.succeeded() / origin.attempts())
            .put("lastStatusCode", origin.lastStatusCode()));
      }
      circuits.result().keySet().stream().filter(o -> !listed.contains(o)).sorted().forEach(origin ->
          items.add(item(origin, circuits.result()).put("attemptsLastHour", 0).put("succeededLastHour", 0)
              .put("successRate", null).put("lastStatusCode", null)));
      return new JsonObject().put("items", items);
    }));
  }

  private JsonObject item(String origin, Map<String, CircuitBreaker.OpenCircuit> circuits) {
    CircuitBreaker.OpenCircuit circuit = circuits.get(origin);
    return new JsonObject()
        .put("origin", origin)
        .put("circuit", circuit == null ? "closed" : circuit.state())
        .put("inFlight", console.inFlight().of(origin));
  }

  /** Every circuit not closed for an operator; for a tenant, those of origins it has deliveries to. */
  private Future<Map<String, CircuitBreaker.OpenCircuit>> visibleCircuits(Long organization) {
    Map<String, CircuitBreaker.OpenCircuit> all = console.circuits().openCircuits();
    if (organization == null || all.isEmpty()) {
      return Future.succeededFuture(all);
    }
    return console.stats().originsUsedBy(organization, all.keySet()).map(used -> {
      Map<String, CircuitBreaker.OpenCircuit> visible = new TreeMap<>(all);
      visible.keySet().retainAll(used);
      return visible;
    });
  }

  /** The organization asked for, confined to the caller's own for a tenant token; null: every one. */
  private static Long organization(RoutingContext ctx) {
    Long named = ctx.queryParams().contains("organizationId") ? QueryParams.requiredOrganization(ctx) : null;
    return Caller.of(ctx).confine(named, "organizationId");
  }
}
