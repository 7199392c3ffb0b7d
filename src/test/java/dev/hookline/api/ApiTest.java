package dev.hookline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hookline.Hookline;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HTTP API over real HTTP against a running Hookline, Postgres and Redis. */
@ExtendWith(VertxExtension.class)
class ApiTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String TOKEN = "test-token-0123456789abcdef";
  private static final Duration WAIT = Duration.ofSeconds(15);

  private Fixture fixture;
  private TestInfra infra;
  private Hookline hookline;
  private ApiClient api;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(TOKEN)).put("maxRequestBytes", 4_096);
    config.getJsonObject("delivery").put("maxPayloadBytes", 1_024);
    hookline = fixture.startWithConfig(vertx, config);
    api = new ApiClient(vertx, hookline, TOKEN);
  }

  @AfterEach
  void tearDown() {
    api.close();
    fixture.close();
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aPortAlreadyInUseIsNamedWithTheAddressAndTheSettingToChange(Vertx vertx) throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      JsonObject config = infra.config();
      config.getJsonObject("http").put("port", taken.getLocalPort());

      assertThatThrownBy(() -> fixture.startWithConfig(vertx, config))
          .hasMessage("HTTP API cannot listen on 127.0.0.1:" + taken.getLocalPort()
              + ": address already in use; set http.port (HOOKLINE_HTTP_PORT) to a free port");
    }
  }

  private JsonObject create(long org, long run, String path) {
    HttpResponse<Buffer> response = api.post("/v1/deliveries", Messages.create(org, run, "node-1", fixture.receiver.url(path)));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject();
  }

  private String status(String uuid) {
    return api.get("/v1/deliveries/" + uuid).bodyAsJsonObject().getString("status");
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
      "POST, /v1/deliveries", "POST, /v1/deliveries/batch", "GET, /v1/deliveries", "GET, /v1/deliveries/00000000-0000-0000-0000-000000000000",
      "GET, /v1/deliveries/00000000-0000-0000-0000-000000000000/attempts",
      "POST, /v1/deliveries/00000000-0000-0000-0000-000000000000/retry",
      "POST, /v1/deliveries/00000000-0000-0000-0000-000000000000/cancel", "POST, /v1/deliveries/retry",
      "GET, /v1/endpoints/disabled", "POST, /v1/endpoints/enable",
      "POST, /v1/deliveries/00000000-0000-0000-0000-000000000000/resend", "POST, /v1/deliveries/resend",
      "POST, /v1/test-deliveries", "GET, /metrics", "GET, /openapi.json", "GET, /no/such/thing"})
  void everyEndpointButHealthNeedsTheToken(String method, String path) {
    HttpResponse<Buffer> missing = api.anonymous(HttpMethod.valueOf(method), path)
        .send().await();
    HttpResponse<Buffer> wrong = api.anonymous(HttpMethod.valueOf(method), path)
        .putHeader("Authorization", "Bearer " + TOKEN + "x").send().await();
    HttpResponse<Buffer> notBearer = api.anonymous(HttpMethod.valueOf(method), path)
        .putHeader("Authorization", "Basic " + TOKEN).send().await();

    for (HttpResponse<Buffer> response : List.of(missing, wrong, notBearer)) {
      ApiClient.assertError(response, 401, null);
      assertThat(response.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
    }
  }

  @Test
  void healthNeedsNoTokenButOnlyAnOperatorIsToldEachCheck() {
    HttpResponse<Buffer> live = api.anonymousTo(hookline, "/health/live").send().await();
    HttpResponse<Buffer> anonymous = api.anonymousTo(hookline, "/health/ready").send().await();
    HttpResponse<Buffer> ready = api.get("/health/ready");

    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.bodyAsJsonObject().getString("status")).isEqualTo("up");
    assertThat(anonymous.statusCode()).isEqualTo(200);
    assertThat(anonymous.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "up"));
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getJsonObject("checks").getMap())
        .containsExactlyInAnyOrderEntriesOf(Map.of("postgres", "up", "redis", "up", "migrations", "up", "delivery", "up"));
  }

  @Test
  void readinessNamesTheFailingCheck(Vertx vertx) throws Exception {
    JsonObject config = infra.config();
    int deadPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      deadPort = socket.getLocalPort();
    }
    config.getJsonObject("redis").put("url", "redis://127.0.0.1:" + deadPort);
    Hookline withoutRedis = fixture.startWithConfig(vertx, config);

    HttpResponse<Buffer> ready = api.anonymousTo(withoutRedis, "/health/ready").send().await();

    assertThat(ready.statusCode()).isEqualTo(503);
    JsonObject body = ready.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("down");
    assertThat(body.getJsonArray("failed")).containsExactly("redis");
    assertThat(body.getJsonObject("checks").getString("redis")).startsWith("down:");
    assertThat(body.getJsonObject("checks").getString("postgres")).isEqualTo("up");
  }

  @Test
  void readinessFailsWhenTheSchemaIsBehindThisBuild() {
    String latest = " WHERE installed_rank = (SELECT max(installed_rank) FROM flyway_schema_history)";
    infra.sql("UPDATE flyway_schema_history SET success = false" + latest);
    HttpResponse<Buffer> ready;
    HttpResponse<Buffer> anonymous;
    try {
      ready = api.get("/health/ready");
      anonymous = api.anonymousTo(hookline, "/health/ready").send().await();
    } finally {
      // The class shares one database.
      infra.sql("UPDATE flyway_schema_history SET success = true" + latest);
    }

    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.bodyAsJsonObject().getJsonArray("failed")).containsExactly("migrations");
    assertThat(anonymous.statusCode()).isEqualTo(503);
    assertThat(anonymous.bodyAsJsonObject()).as("no backend error text without a token")
        .isEqualTo(new JsonObject().put("status", "down"));
  }

  @Test
  void createRepliesWithTheRightCodes() {
    JsonObject message = Messages.create(7, 9, "node-1", fixture.receiver.url("/hook"));

    HttpResponse<Buffer> created = api.post("/v1/deliveries", message);
    HttpResponse<Buffer> existing = api.post("/v1/deliveries", message);
    JsonObject disabled = Messages.create(7, 9, "node-2", fixture.receiver.url("/hook"));
    disabled.getJsonObject("webhook").put("enabled", false);
    HttpResponse<Buffer> skipped = api.post("/v1/deliveries", disabled);

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getString("status")).isEqualTo("created");
    assertThat(existing.statusCode()).isEqualTo(200);
    assertThat(existing.bodyAsJsonObject().getString("deliveryUuid"))
        .isEqualTo(created.bodyAsJsonObject().getString("deliveryUuid"));
    assertThat(skipped.statusCode()).isEqualTo(200);
    assertThat(skipped.bodyAsJsonObject().getString("reason")).isEqualTo("disabled");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void createRefusesBadInputWithTheRightCodes() {
    JsonObject badUrl = Messages.create(7, 9, "node-1", "ftp://x.example.com/");
    ApiClient.assertError(api.post("/v1/deliveries", badUrl), 400, "webhook.endpointUrl");

    api.post("/v1/deliveries", Messages.create(7, 9, "node-1", fixture.receiver.url("/hook")));
    ApiClient.assertError(api.post("/v1/deliveries", Messages.create(8, 9, "node-2", fixture.receiver.url("/hook"))), 409,
        "workflowRunId");

    JsonObject bigPayload = Messages.create(7, 10, "node-1", fixture.receiver.url("/hook"));
    bigPayload.getJsonObject("webhook").put("payloadTemplate", new JsonObject().put("blob", "x".repeat(2_000)));
    ApiClient.assertError(api.post("/v1/deliveries", bigPayload), 413, "webhook.payloadTemplate");

    JsonObject hugeBody = Messages.create(7, 11, "node-1", fixture.receiver.url("/hook"));
    hugeBody.put("renderContext", new JsonObject().put("junk", "y".repeat(10_000)));
    HttpResponse<Buffer> tooBig = api.post("/v1/deliveries", hugeBody);
    ApiClient.assertError(tooBig, 413, "body");
    assertThat(tooBig.bodyAsJsonObject().getString("error"))
        .isEqualTo("request body is over the limit of 4096 bytes (http.maxRequestBytes)");

    HttpResponse<Buffer> notJson = api.request(HttpMethod.POST, "/v1/deliveries").putHeader("Content-Type", "text/plain")
        .sendBuffer(Buffer.buffer("hello")).await();
    ApiClient.assertError(notJson, 415, "Content-Type");
    HttpResponse<Buffer> malformed = api.request(HttpMethod.POST, "/v1/deliveries")
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{\"organizationId\": ")).await();
    ApiClient.assertError(malformed, 400, "body");
    HttpResponse<Buffer> array = api.request(HttpMethod.POST, "/v1/deliveries")
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("[1,2]")).await();
    ApiClient.assertError(array, 400, "body");

    assertThat(infra.count("true")).isEqualTo(1);
  }

  @Test
  void aDeliveryAndItsAttemptsCanBeRead() {
    fixture.receiver.behave(r -> "1".equals(r.header("X-Dograh-Delivery-Attempt"))
        ? new Reply(503, 0, false, Map.of("Retry-After", "1", "Content-Type", "text/plain"), "busy, try later")
        : Reply.status(200));
    String uuid = create(7, 9, "/hook").getString("deliveryUuid");
    Await.until("success", WAIT, () -> "succeeded".equals(status(uuid)));

    JsonObject row = api.get("/v1/deliveries/" + uuid).bodyAsJsonObject();
    JsonArray attempts = api.get("/v1/deliveries/" + uuid + "/attempts").bodyAsJsonObject().getJsonArray("items");

    assertThat(row.getString("deliveryUuid")).isEqualTo(uuid);
    assertThat(row.getLong("organizationId")).isEqualTo(7);
    assertThat(row.getInteger("attemptCount")).isEqualTo(2);
    assertThat(row.getString("payload")).isEqualTo("{\"event\":\"call_done\",\"run\":\"9\",\"call_disposition\":\"user_hangup\"}");
    assertThat(row.getJsonArray("customHeaders").encode()).isEqualTo("[{\"key\":\"X-Source\",\"value\":\"workflow\"}]");
    assertThat(attempts).hasSize(2);
    JsonObject first = attempts.getJsonObject(0);
    assertThat(first.getInteger("attempt")).isEqualTo(1);
    assertThat(first.getString("outcome")).isEqualTo("retry");
    assertThat(first.getInteger("statusCode")).isEqualTo(503);
    assertThat(first.getString("responseBody")).isEqualTo("busy, try later");
    assertThat(first.getString("responseContentType")).isEqualTo("text/plain");
    assertThat(first.getString("responseRetryAfter")).isEqualTo("1");
    assertThat(first.getInteger("durationMs")).isNotNull();
    assertThat(Instant.parse(first.getString("startedAt"))).isBefore(Instant.now());
    assertThat(attempts.getJsonObject(1).getString("outcome")).isEqualTo("succeeded");

    ApiClient.assertError(api.get("/v1/deliveries/" + UUID.randomUUID()), 404, "uuid");
    ApiClient.assertError(api.get("/v1/deliveries/" + UUID.randomUUID() + "/attempts"), 404, "uuid");
    ApiClient.assertError(api.get("/v1/deliveries/not-a-uuid"), 400, "uuid");
  }

  @Test
  void paginationReturnsEveryRowExactlyOnceAndFiltersApply() {
    for (int i = 0; i < 23; i++) {
      api.post("/v1/deliveries", Messages.create(i % 3 == 0 ? 8 : 7, 100 + i, "node-1", fixture.receiver.url("/hook")));
    }
    Await.until("all delivered", WAIT, () -> infra.count("status = 'succeeded'") == 23);

    List<Long> seen = new ArrayList<>();
    String next = null;
    int pages = 0;
    do {
      JsonObject page = api.get("/v1/deliveries?limit=5" + (next == null ? "" : "&after=" + next)).bodyAsJsonObject();
      page.getJsonArray("items").forEach(item -> seen.add(((JsonObject) item).getLong("id")));
      next = page.getString("next");
      pages++;
    } while (next != null && pages < 20);

    assertThat(seen).hasSize(23).doesNotHaveDuplicates().isSorted();
    assertThat(pages).isEqualTo(5);
    JsonArray org8 = api.get("/v1/deliveries?organizationId=8&status=succeeded").bodyAsJsonObject().getJsonArray("items");
    assertThat(org8).hasSize(8).allSatisfy(item -> assertThat(((JsonObject) item).getLong("organizationId")).isEqualTo(8));
    assertThat(api.get("/v1/deliveries?workflowRunId=105").bodyAsJsonObject().getJsonArray("items")).hasSize(1);
    assertThat(api.get("/v1/deliveries?status=pending").bodyAsJsonObject().getJsonArray("items")).isEmpty();
    String now = Instant.now().plusSeconds(1).toString();
    assertThat(api.get("/v1/deliveries?createdBefore=" + now + "&limit=500").bodyAsJsonObject().getJsonArray("items")).hasSize(23);
    assertThat(api.get("/v1/deliveries?createdAfter=" + now).bodyAsJsonObject().getJsonArray("items")).isEmpty();

    ApiClient.assertError(api.get("/v1/deliveries?status=lost"), 400, "status");
    ApiClient.assertError(api.get("/v1/deliveries?limit=0"), 400, "limit");
    ApiClient.assertError(api.get("/v1/deliveries?limit=501"), 400, "limit");
    ApiClient.assertError(api.get("/v1/deliveries?organizationId=abc"), 400, "organizationId");
    ApiClient.assertError(api.get("/v1/deliveries?createdAfter=yesterday"), 400, "createdAfter");
    ApiClient.assertError(api.get("/v1/deliveries?after=-4"), 400, "after");
  }

  @Test
  void aRetriedDeadLetterIsDeliveredWithAFreshBudget() {
    fixture.receiver.behave(r -> r.path().equals("/gone") && r.header("X-Dograh-Delivery-Attempt").equals("1")
        ? Reply.status(404) : Reply.status(200));
    String uuid = create(7, 9, "/gone").getString("deliveryUuid");
    Await.until("dead letter", WAIT, () -> "dead_letter".equals(status(uuid)));
    ApiClient.assertError(api.post("/v1/deliveries/" + uuid + "/cancel", null), 409, "status");

    HttpResponse<Buffer> retried = api.post("/v1/deliveries/" + uuid + "/retry", null);

    assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(200);
    assertThat(retried.bodyAsJsonObject().getInteger("maxAttempts")).isEqualTo(1 + 5);
    Await.until("success after retry", WAIT, () -> "succeeded".equals(status(uuid)));
    assertThat(fixture.receiver.requests()).extracting(r -> r.header("X-Dograh-Delivery-Attempt")).containsExactly("1", "2");
    JsonArray attempts = api.get("/v1/deliveries/" + uuid + "/attempts").bodyAsJsonObject().getJsonArray("items");
    assertThat(attempts).extracting(a -> ((JsonObject) a).getString("outcome")).containsExactly("dead_letter", "succeeded");
    ApiClient.assertError(api.post("/v1/deliveries/" + uuid + "/retry", null), 409, "status");
    ApiClient.assertError(api.post("/v1/deliveries/" + UUID.randomUUID() + "/retry", null), 404, "uuid");
  }

  @Test
  void bulkRetryReplaysTheDeadLettersMatchingTheFilter() {
    Set<String> broken = new HashSet<>();
    fixture.receiver.behave(r -> broken.contains(r.header("X-Dograh-Delivery-Id")) || r.header("X-Dograh-Delivery-Attempt")
        .equals("1") ? Reply.status(404) : Reply.status(200));
    List<String> org7 = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      org7.add(create(7, 100 + i, "/x").getString("deliveryUuid"));
    }
    String org8 = create(8, 200, "/x").getString("deliveryUuid");
    Await.until("four dead letters", WAIT, () -> infra.count("status = 'dead_letter'") == 4);

    HttpResponse<Buffer> response = api.post("/v1/deliveries/retry", new JsonObject().put("organizationId", 7)
        .put("lastStatusCode", 404).put("createdAfter", Instant.now().minusSeconds(3_600).toString()));

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getLong("retried")).isEqualTo(3);
    Await.until("org 7 delivered", WAIT, () -> org7.stream().allMatch(u -> "succeeded".equals(status(u))));
    assertThat(status(org8)).isEqualTo("dead_letter");
    assertThat(api.post("/v1/deliveries/retry", new JsonObject().put("organizationId", 7)).bodyAsJsonObject()
        .getLong("retried")).isZero();
    ApiClient.assertError(api.post("/v1/deliveries/retry", new JsonObject().put("lastStatusCode", "teapot")), 400, "lastStatusCode");
    ApiClient.assertError(api.post("/v1/deliveries/retry", new JsonObject().put("createdAfter", "soon")), 400, "createdAfter");
  }

  @Test
  void aCancelledDeliveryIsNeverSent(Vertx vertx) {
    long id = ((Number) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, max_attempts, scheduled_for)"
        + " VALUES (gen_random_uuid(), 7, 9, 'n', ?, 'POST', '{}', 5, now() + interval '1 second') RETURNING id",
        fixture.receiver.url("/cancelled")).get(0).get(0)).longValue();
    hookline.queue().enqueue(id, System.currentTimeMillis() + 1_000).await();
    String uuid = (String) infra.sql("SELECT delivery_uuid::text FROM webhook_deliveries WHERE id = ?", id).get(0).get(0);

    HttpResponse<Buffer> cancelled = api.post("/v1/deliveries/" + uuid + "/cancel", null);

    assertThat(cancelled.statusCode()).as(cancelled.bodyAsString()).isEqualTo(200);
    assertThat(cancelled.bodyAsJsonObject().getString("status")).isEqualTo("cancelled");
    // Past a probe due 0.3 s after the cancelled delivery was, the pumps have popped it (and had they
    // claimed it, sent it).
    fixture.awaitAPumpPass(vertx, Duration.ofMillis(1_300));
    assertThat(fixture.receiver.requests()).isEmpty();
    assertThat(status(uuid)).isEqualTo("cancelled");
    ApiClient.assertError(api.post("/v1/deliveries/" + uuid + "/cancel", null), 409, "status");
    ApiClient.assertError(api.post("/v1/deliveries/" + uuid + "/retry", null), 409, "status");
    ApiClient.assertError(api.post("/v1/deliveries/" + UUID.randomUUID() + "/cancel", null), 404, "uuid");
  }

  @Test
  @Timeout(120)
  void scheduledForIsShownOnlyWhileADeliveryIsPending() {
    // Pending, due in an hour: not queued, and too early for the sweeper, so nothing touches it.
    String pending = (String) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id,"
        + " workflow_run_id, webhook_node_id, endpoint_url, http_method, payload, max_attempts, scheduled_for)"
        + " VALUES (gen_random_uuid(), 7, 9, 'n', ?, 'POST', '{}', 5, '2100-01-01T00:00:00Z')"
        + " RETURNING delivery_uuid::text", fixture.receiver.url("/later")).get(0).get(0);
    fixture.receiver.behave(r -> r.path().equals("/gone") ? Reply.status(404) : Reply.status(200));
    String succeeded = create(7, 10, "/hook").getString("deliveryUuid");
    String deadLetter = create(7, 11, "/gone").getString("deliveryUuid");
    Await.until("both final", WAIT, () -> "succeeded".equals(status(succeeded))
        && "dead_letter".equals(status(deadLetter)));

    assertThat(api.get("/v1/deliveries/" + pending).bodyAsJsonObject().getString("scheduledFor"))
        .isEqualTo("2100-01-01T00:00:00Z");
    for (String uuid : List.of(succeeded, deadLetter)) {
      JsonObject row = api.get("/v1/deliveries/" + uuid).bodyAsJsonObject();
      assertThat(row.containsKey("scheduledFor")).as(row.encode()).isTrue();
      assertThat(row.getString("scheduledFor")).as(row.encode()).isNull();
    }
    JsonObject cancelled = api.post("/v1/deliveries/" + pending + "/cancel", null).bodyAsJsonObject();
    assertThat(cancelled.getString("status")).isEqualTo("cancelled");
    assertThat(cancelled.getString("scheduledFor")).as("the cancel reply").isNull();
    assertThat(api.get("/v1/deliveries?organizationId=7").bodyAsJsonObject().getJsonArray("items"))
        .hasSize(3).allSatisfy(item -> assertThat(((JsonObject) item).getString("scheduledFor")).isNull());

    JsonObject retried = api.post("/v1/deliveries/" + deadLetter + "/retry", null).bodyAsJsonObject();
    assertThat(retried.getString("status")).isEqualTo("pending");
    assertThat(Instant.parse(retried.getString("scheduledFor"))).as("due now again")
        .isBefore(Instant.now().plusSeconds(5));
  }

  @Test
  void theOpenApiDocumentIsServedAndDescribesEveryRoute() {
    HttpResponse<Buffer> response = api.get("/openapi.json");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject doc = response.bodyAsJsonObject();
    assertThat(doc.getString("openapi")).startsWith("3.");
    assertThat(doc.getJsonObject("paths").fieldNames()).contains("/v1/deliveries", "/v1/deliveries/{uuid}",
        "/v1/deliveries/{uuid}/attempts", "/v1/deliveries/{uuid}/retry", "/v1/deliveries/{uuid}/cancel",
        "/v1/deliveries/retry", "/v1/deliveries/{uuid}/resend", "/v1/deliveries/resend", "/v1/endpoints/disabled",
        "/v1/endpoints/enable", "/v1/test-deliveries", "/health/live", "/health/ready", "/metrics",
        "/v1/deliveries/count", "/v1/deliveries/{uuid}/request", "/v1/overview", "/v1/origins", "/console/session");
  }

  @Test
  void batchCreateAnswersEveryItemInOrderAndDeliversTheGoodOnes() {
    String hook = fixture.receiver.url("/hook");
    JsonArray creates = new JsonArray()
        .add(Messages.create(7, 501, "node-1", hook))
        .add(Messages.create(7, 502, "node-1", "http://[::1"))
        .add(Messages.create(7, 501, "node-1", hook))
        .add(Messages.create(8, 501, "node-2", hook))
        .add(Messages.create(7, 503, "node-1", hook));

    HttpResponse<Buffer> response = api.request(HttpMethod.POST, "/v1/deliveries/batch").sendJson(creates).await();

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).startsWith("application/json");
    JsonArray items = response.bodyAsJsonArray();
    assertThat(items).extracting(o -> ((JsonObject) o).getString("status"))
        .containsExactly("created", "failed", "existing", "failed", "created");
    assertThat(items.getJsonObject(1).getInteger("code")).isEqualTo(400);
    assertThat(items.getJsonObject(1).getString("field")).isEqualTo("webhook.endpointUrl");
    assertThat(items.getJsonObject(2).getString("deliveryUuid")).isEqualTo(items.getJsonObject(0).getString("deliveryUuid"));
    assertThat(items.getJsonObject(3).getInteger("code")).isEqualTo(409);
    Await.until("both delivered", WAIT, () -> infra.count("status = 'succeeded'") == 2);
    assertThat(fixture.receiver.requestsTo("/hook")).extracting(r -> r.header("X-Dograh-Workflow-Run-Id"))
        .containsExactlyInAnyOrder("501", "503");
  }

  @Test
  void batchCreateRefusesABodyThatIsNotAJsonArray() {
    ApiClient.assertError(api.post("/v1/deliveries/batch", Messages.create(7, 1, "node-1", fixture.receiver.url("/hook"))),
        400, "body");
    ApiClient.assertError(api.request(HttpMethod.POST, "/v1/deliveries/batch").putHeader("Content-Type", "text/plain")
        .sendBuffer(Buffer.buffer("[]")).await(), 415, "Content-Type");
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 1_001; i++) {
      tooMany.add(new JsonObject());
    }
    ApiClient.assertError(api.request(HttpMethod.POST, "/v1/deliveries/batch").sendJson(tooMany).await(), 400, "batch");
    assertThat(infra.count("true")).isZero();
  }
}
