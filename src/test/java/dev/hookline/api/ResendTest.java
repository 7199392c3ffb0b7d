package dev.hookline.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.ops.OperatorBusVerticle;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Received;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Resend over real HTTP, the event bus, Postgres, Redis and a real receiver: a final delivery goes
 * out again as the next attempt with the same delivery id; a pending one is refused; the fresh
 * budget and window follow the delivery's own retry object (for retry too).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResendTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String OPERATOR = "operator-token-0123456789abcdef";
  private static final String TENANT_7 = "tenant-seven-token-0123456789ab";
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String FAR_FUTURE = "2100-01-01T00:00:00Z";

  private Fixture fixture;
  private TestInfra infra;
  private ApiClient api;
  private ApiClient tenant;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(OPERATOR)
        .add(new JsonObject().put("token", TENANT_7).put("organizationId", 7)));
    // "/gone" dead-letters at once (404 is permanent); everything else succeeds.
    fixture.receiver.behave(r -> r.path().equals("/gone") ? Reply.status(404) : Reply.status(204));
    Hookline hookline = fixture.startWithConfig(vertx, config);
    api = new ApiClient(vertx, hookline, OPERATOR);
    tenant = new ApiClient(vertx, hookline, TENANT_7);
  }

  @AfterEach
  void tearDown() {
    try {
      api.close();
      tenant.close();
    } finally {
      fixture.close();
    }
  }

  @Test
  void aResentSucceededDeliveryIsSentAgainAsTheNextAttemptWithTheSameDeliveryId() {
    JsonObject created = create(7, 1, "/hook");
    String uuid = created.getString("deliveryUuid");
    awaitRow(uuid, "succeeded", 1);

    HttpResponse<Buffer> resent = api.post("/v1/deliveries/" + uuid + "/resend", null);

    assertThat(resent.statusCode()).as(resent.bodyAsString()).isEqualTo(200);
    JsonObject row = resent.bodyAsJsonObject();
    assertThat(row.getString("deliveryUuid")).isEqualTo(uuid);
    assertThat(row.getLong("id")).isEqualTo(created.getLong("deliveryId"));
    assertThat(row.getString("status")).isEqualTo("pending");
    assertThat(row.getInteger("attemptCount")).isEqualTo(1);
    assertThat(row.getInteger("maxAttempts")).as("a fresh budget of delivery.maxAttempts").isEqualTo(1 + 5);
    assertThat(row.getInteger("recordedAttempts")).isZero();
    assertThat(Instant.parse(row.getString("scheduledFor"))).as("due now").isBefore(Instant.now().plusSeconds(5));
    assertThat(row.containsKey("payload")).as("answered as retry answers").isFalse();

    awaitRow(uuid, "succeeded", 2);
    List<Received> requests = fixture.receiver.requestsTo("/hook");
    assertThat(requests).extracting(r -> r.header("X-Dograh-Delivery-Attempt")).containsExactly("1", "2");
    assertThat(requests).extracting(r -> r.header("X-Dograh-Delivery-Id")).containsExactly(uuid, uuid);
    assertThat(requests.get(1).body()).as("the frozen payload").isEqualTo(requests.get(0).body());
    JsonArray attempts = api.get("/v1/deliveries/" + uuid + "/attempts").bodyAsJsonObject().getJsonArray("items");
    assertThat(attempts).extracting(a -> ((JsonObject) a).getInteger("attempt")).containsExactly(1, 2);
    assertThat(attempts).extracting(a -> ((JsonObject) a).getString("outcome")).containsExactly("succeeded", "succeeded");

    ApiClient.assertError(api.post("/v1/deliveries/" + UUID.randomUUID() + "/resend", null), 404, "uuid");
    ApiClient.assertError(api.post("/v1/deliveries/not-a-uuid/resend", null), 400, "uuid");
  }

  @Test
  void aPendingDeliveryIsNotResent() {
    String pending = insertPending(7, 2);
    JsonObject before = row(pending);

    HttpResponse<Buffer> refused = api.post("/v1/deliveries/" + pending + "/resend", null);

    ApiClient.assertError(refused, 409, "status");
    assertThat(refused.bodyAsJsonObject().getString("error")).endsWith("it is pending");
    assertThat(row(pending)).isEqualTo(before);
    assertThat(fixture.receiver.requests()).isEmpty();
  }

  @Test
  void cancelledDeadLetteredAndExpiredDeliveriesAreResent() {
    String cancelled = insertPending(7, 3);
    assertThat(api.post("/v1/deliveries/" + cancelled + "/cancel", null).statusCode()).isEqualTo(200);
    String deadLetter = create(7, 4, "/gone").getString("deliveryUuid");
    awaitRow(deadLetter, "dead_letter", 1);
    fixture.receiver.behave(r -> Reply.status(204));
    String expired = create(7, 5, "/expired").getString("deliveryUuid");
    awaitRow(expired, "succeeded", 1);
    infra.sql("UPDATE webhook_deliveries SET status = 'expired' WHERE delivery_uuid = ?::uuid", expired);

    for (String uuid : List.of(cancelled, deadLetter, expired)) {
      HttpResponse<Buffer> resent = api.post("/v1/deliveries/" + uuid + "/resend", null);
      assertThat(resent.statusCode()).as(resent.bodyAsString()).isEqualTo(200);
    }

    awaitRow(cancelled, "succeeded", 1);
    awaitRow(deadLetter, "succeeded", 2);
    awaitRow(expired, "succeeded", 2);
    assertThat(fixture.receiver.requestsTo("/gone")).extracting(r -> r.header("X-Dograh-Delivery-Attempt"))
        .containsExactly("1", "2");
  }

  /** Retry and resend give the same fresh budget: the delivery's own maxAttempts, and its window from now. */
  @Test
  void theFreshBudgetAndWindowAreTheDeliverysOwn() {
    String windowed = insertFinal(7, 6, "expired", "{\"maxAttempts\": 3, \"deliverWithinSeconds\": 600}");
    String ownBudget = insertFinal(7, 7, "dead_letter", "{\"maxAttempts\": 2}");
    String seed = insertFinal(7, 8, "dead_letter", null);

    JsonObject resent = api.post("/v1/deliveries/" + windowed + "/resend", null).bodyAsJsonObject();
    JsonObject retried = api.post("/v1/deliveries/" + ownBudget + "/retry", null).bodyAsJsonObject();
    JsonObject retriedSeed = api.post("/v1/deliveries/" + seed + "/retry", null).bodyAsJsonObject();

    assertThat(resent.getInteger("maxAttempts")).isEqualTo(4 + 3);
    assertThat(retried.getInteger("maxAttempts")).isEqualTo(4 + 2);
    assertThat(retriedSeed.getInteger("maxAttempts")).as("delivery.maxAttempts").isEqualTo(4 + 5);
    double windowLeft = ((Number) infra.sql("SELECT extract(epoch FROM expires_at - now())::float8"
        + " FROM webhook_deliveries WHERE delivery_uuid = ?::uuid", windowed).get(0).get(0)).doubleValue();
    assertThat(windowLeft).as("seconds left of the window, started again at the resend").isBetween(570.0, 600.0);
    assertThat(infra.sql("SELECT expires_at FROM webhook_deliveries WHERE delivery_uuid IN (?::uuid, ?::uuid)",
        ownBudget, seed)).allSatisfy(row -> assertThat(row.get(0)).as("no window").isNull());
    for (String uuid : List.of(windowed, ownBudget, seed)) {
      awaitRow(uuid, "succeeded", 5);
    }
  }

  @Test
  void bulkResendResendsOnlyTheMatchingFinalDeliveries() {
    String ok7a = create(7, 10, "/hook").getString("deliveryUuid");
    String ok7b = create(7, 11, "/hook").getString("deliveryUuid");
    String dead7 = create(7, 12, "/gone").getString("deliveryUuid");
    String ok8 = create(8, 13, "/hook").getString("deliveryUuid");
    String pending7 = insertPending(7, 14);
    awaitRow(ok7a, "succeeded", 1);
    awaitRow(ok7b, "succeeded", 1);
    awaitRow(dead7, "dead_letter", 1);
    awaitRow(ok8, "succeeded", 1);
    JsonObject pendingBefore = row(pending7);

    assertThat(resendAll(api, new JsonObject().put("organizationId", 7).put("status", "succeeded"))).isEqualTo(2);
    awaitRow(ok7a, "succeeded", 2);
    awaitRow(ok7b, "succeeded", 2);
    assertThat(row(dead7).getInteger("attemptCount")).isEqualTo(1);

    assertThat(resendAll(api, new JsonObject().put("organizationId", 7))).as("every final status, never pending")
        .isEqualTo(3);
    awaitRow(ok7a, "succeeded", 3);
    awaitRow(ok7b, "succeeded", 3);
    awaitRow(dead7, "dead_letter", 2);
    assertThat(row(pending7)).isEqualTo(pendingBefore);
    assertThat(row(ok8).getInteger("attemptCount")).isEqualTo(1);

    assertThat(resendAll(api, new JsonObject().put("workflowRunId", 13))).isEqualTo(1);
    awaitRow(ok8, "succeeded", 2);
    assertThat(resendAll(api, new JsonObject().put("status", "expired"))).isZero();

    ApiClient.assertError(api.post("/v1/deliveries/resend", new JsonObject().put("status", "pending")), 400, "status");
    ApiClient.assertError(api.post("/v1/deliveries/resend", new JsonObject().put("status", "lost")), 400, "status");
    ApiClient.assertError(api.post("/v1/deliveries/resend", new JsonObject().put("workflowRunId", "x")), 400,
        "workflowRunId");
    ApiClient.assertError(api.post("/v1/deliveries/resend", new JsonObject().put("createdAfter", "soon")), 400,
        "createdAfter");
  }

  @Test
  void aTenantTokenResendsOnlyItsOwnOrganizationsDeliveries() {
    String own = create(7, 20, "/hook").getString("deliveryUuid");
    String other = create(8, 21, "/hook").getString("deliveryUuid");
    awaitRow(own, "succeeded", 1);
    awaitRow(other, "succeeded", 1);
    JsonObject otherBefore = row(other);

    HttpResponse<Buffer> refused = tenant.post("/v1/deliveries/" + other + "/resend", null);
    HttpResponse<Buffer> unknown = tenant.post("/v1/deliveries/" + UUID.randomUUID() + "/resend", null);
    ApiClient.assertError(refused, 404, "uuid");
    ApiClient.assertError(unknown, 404, "uuid");
    ApiClient.assertError(tenant.post("/v1/deliveries/resend", new JsonObject().put("organizationId", 8)), 404,
        "organizationId");
    assertThat(resendAll(tenant, new JsonObject())).as("organization 7's only").isEqualTo(1);

    awaitRow(own, "succeeded", 2);
    assertThat(row(other)).isEqualTo(otherBefore);
    HttpResponse<Buffer> ownResent = tenant.post("/v1/deliveries/" + own + "/resend", null);
    assertThat(ownResent.statusCode()).as(ownResent.bodyAsString()).isEqualTo(200);
    awaitRow(own, "succeeded", 3);
  }

  @Test
  void theEventBusResendsOneDeliveryOrAFilter(Vertx vertx) {
    String one = create(7, 30, "/hook").getString("deliveryUuid");
    String dead = create(7, 31, "/gone").getString("deliveryUuid");
    String pending = insertPending(7, 32);
    awaitRow(one, "succeeded", 1);
    awaitRow(dead, "dead_letter", 1);

    JsonObject reply = request(vertx, new JsonObject().put("deliveryUuid", one));

    assertThat(reply.getString("deliveryUuid")).isEqualTo(one);
    assertThat(reply.getString("status")).isEqualTo("pending");
    assertThat(reply.getInteger("maxAttempts")).isEqualTo(1 + 5);
    awaitRow(one, "succeeded", 2);
    assertThat(fixture.receiver.requestsTo("/hook")).extracting(r -> r.header("X-Dograh-Delivery-Attempt"))
        .containsExactly("1", "2");

    assertThat(request(vertx, new JsonObject().put("organizationId", 7).put("status", "dead_letter")))
        .isEqualTo(new JsonObject().put("resent", 1L));
    awaitRow(dead, "dead_letter", 2);

    assertFailure(vertx, new JsonObject().put("deliveryUuid", pending), 409, "it is pending");
    assertFailure(vertx, new JsonObject().put("deliveryUuid", UUID.randomUUID().toString()), 404, "no delivery");
    assertFailure(vertx, new JsonObject().put("deliveryUuid", "nope"), 400, "deliveryUuid");
    assertFailure(vertx, new JsonObject().put("status", "pending"), 400, "status");
    assertFailure(vertx, "not an object", 400, "body");
  }

  private JsonObject create(long org, long run, String path) {
    HttpResponse<Buffer> response = api.post("/v1/deliveries", Messages.create(org, run, "node-1", fixture.receiver.url(path)));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject();
  }

  /** Pending, due far in the future: not queued, and too early for the sweeper, so nothing sends it. */
  private String insertPending(long org, long run) {
    return (String) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, max_attempts, scheduled_for)"
        + " VALUES (gen_random_uuid(), ?, ?, 'n', ?, 'POST', '{}', 5, ?::timestamptz) RETURNING delivery_uuid::text",
        org, run, fixture.receiver.url("/later"), FAR_FUTURE).get(0).get(0);
  }

  /** A final row after 4 attempts, with the given stored retry object (null: none). */
  private String insertFinal(long org, long run, String status, String retry) {
    return (String) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, max_attempts, attempt_count, recorded_attempts, status,"
        + " retry) VALUES (gen_random_uuid(), ?, ?, 'n', ?, 'POST', '{}', 4, 4, 4, ?, ?::jsonb)"
        + " RETURNING delivery_uuid::text", org, run, fixture.receiver.url("/final"), status, retry).get(0).get(0);
  }

  private JsonObject row(String uuid) {
    HttpResponse<Buffer> response = api.get("/v1/deliveries/" + uuid);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private void awaitRow(String uuid, String status, int attemptCount) {
    Await.until(uuid + " " + status + " after " + attemptCount + " attempt(s)", WAIT, () -> {
      JsonObject row = row(uuid);
      return status.equals(row.getString("status")) && row.getInteger("attemptCount") == attemptCount;
    }, () -> row(uuid).encode());
  }

  private static long resendAll(ApiClient client, JsonObject filter) {
    HttpResponse<Buffer> response = client.post("/v1/deliveries/resend", filter);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getLong("resent");
  }

  private static JsonObject request(Vertx vertx, JsonObject body) {
    return (JsonObject) vertx.eventBus().request(OperatorBusVerticle.RESEND_ADDRESS, body).await().body();
  }

  private static void assertFailure(Vertx vertx, Object body, int code, String saying) {
    ReplyException failure = Messages.requestExpectingFailure(vertx, OperatorBusVerticle.RESEND_ADDRESS, body);
    assertThat(failure.failureCode()).as(failure.getMessage()).isEqualTo(code);
    assertThat(failure.getMessage()).contains(saying);
  }
}
