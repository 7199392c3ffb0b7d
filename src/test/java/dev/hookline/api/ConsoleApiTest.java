package dev.hookline.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.domain.Origins;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.Receiver.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The console's API over real HTTP against a running Hookline, Postgres, Redis and two real
 * receivers: one that answers (200, a hostile 500, a 410) and one that is down (503), whose
 * circuit opens. Overview, origins, count and the request as sent answer the contract's shapes
 * with what really happened, and a tenant token sees only its own organization.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConsoleApiTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String OPERATOR = "operator-token-0123456789abcdef";
  private static final String TENANT_7 = "tenant-seven-token-0123456789ab";
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String HOSTILE = "<script>alert('console')</script>";
  private static final String SECRET = "receiver-bearer-secret-0123456789";
  /** The run of the plain success: the only delivery a resend by its origin and run matches. */
  private static final long OK_RUN = 73;

  private Fixture fixture;
  private Receiver down;
  private ApiClient operator;
  private ApiClient tenant;
  private String upOrigin;
  private String downOrigin;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    down = Receiver.start(vertx);
    JsonObject config = fixture.infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray()
        .add(OPERATOR)
        .add(new JsonObject().put("token", TENANT_7).put("organizationId", 7)));
    // One attempt each, so every failure is a dead letter at once; two transient failures open a circuit.
    config.getJsonObject("delivery").put("maxAttempts", 1).put("circuitFailureThreshold", 2)
        .put("circuitCooldownSeconds", 600).put("circuitMaxCooldownSeconds", 600);
    fixture.receiver.behave(r -> switch (r.path()) {
      case "/hostile" -> new Reply(500, 0, false, Map.of("Content-Type", "text/html"), HOSTILE);
      case "/gone" -> Reply.status(410);
      default -> Reply.status(200);
    });
    down.behave(r -> Reply.status(503));
    Hookline hookline = fixture.startWithConfig(vertx, config);
    operator = new ApiClient(vertx, hookline, OPERATOR);
    tenant = new ApiClient(vertx, hookline, TENANT_7);
    upOrigin = Origins.of(fixture.receiver.url("/"));
    downOrigin = Origins.of(down.url("/"));
  }

  @AfterEach
  void tearDown() {
    try {
      operator.close();
      tenant.close();
      down.close();
    } finally {
      fixture.close();
    }
  }

  @Test
  void overviewAndOriginsTellWhatHappenedInTheLastHour() {
    seed();

    JsonObject overview = ok(operator.get("/v1/overview"));
    JsonObject counts = overview.getJsonObject("counts");
    assertThat(counts.fieldNames()).contains("pending", "succeeded", "dead_letter", "cancelled", "expired");
    assertThat(counts.getLong("succeeded")).isEqualTo(2);
    assertThat(counts.getLong("dead_letter")).isEqualTo(4);
    assertThat(overview.getLong("queueDepth")).isNotNull();
    assertThat(overview.getDouble("oldestPendingAgeSeconds")).isNotNull();
    JsonArray perMinute = overview.getJsonArray("perMinute");
    assertThat(perMinute).hasSize(60);
    List<String> minutes = perMinute.stream().map(m -> ((JsonObject) m).getString("minute")).toList();
    assertThat(minutes).isSorted().allSatisfy(m -> assertThat(m).endsWith(":00Z"));
    long succeeded = perMinute.stream().mapToLong(m -> ((JsonObject) m).getLong("succeeded")).sum();
    long failed = perMinute.stream().mapToLong(m -> ((JsonObject) m).getLong("failed")).sum();
    assertThat(succeeded).isEqualTo(2);
    assertThat(failed).isEqualTo(4);
    assertThat(overview.getJsonArray("openCircuits")).singleElement().satisfies(c -> {
      JsonObject circuit = (JsonObject) c;
      assertThat(circuit.getString("origin")).isEqualTo(downOrigin);
      assertThat(circuit.getString("state")).isEqualTo("open");
      assertThat(circuit.getString("until")).isNotBlank();
    });
    assertThat(overview.getLong("disabledEndpoints")).isEqualTo(1);

    Map<String, JsonObject> origins = byOrigin(ok(operator.get("/v1/origins")));
    assertThat(origins.keySet()).containsExactly(upOrigin, downOrigin);
    JsonObject up = origins.get(upOrigin);
    assertThat(up.getLong("attemptsLastHour")).isEqualTo(4);
    assertThat(up.getLong("succeededLastHour")).isEqualTo(2);
    assertThat(up.getDouble("successRate")).isEqualTo(0.5);
    assertThat(up.getString("circuit")).isEqualTo("closed");
    assertThat(up.getInteger("inFlight")).isZero();
    assertThat(up.getInteger("lastStatusCode")).isIn(200, 410, 500);
    JsonObject downItem = origins.get(downOrigin);
    assertThat(downItem.getLong("attemptsLastHour")).isEqualTo(2);
    assertThat(downItem.getDouble("successRate")).isZero();
    assertThat(downItem.getInteger("lastStatusCode")).isEqualTo(503);
    assertThat(downItem.getString("circuit")).isEqualTo("open");

    // Organization 7 sent only to the receiver that answers: the other's circuit is not its business.
    JsonObject own = ok(tenant.get("/v1/overview"));
    assertThat(own.getJsonObject("counts").getLong("succeeded")).isEqualTo(2);
    assertThat(own.getJsonObject("counts").getLong("dead_letter")).isEqualTo(2);
    assertThat(own.getJsonArray("openCircuits")).isEmpty();
    assertThat(own.getLong("disabledEndpoints")).isEqualTo(1);
    assertThat(byOrigin(ok(tenant.get("/v1/origins"))).keySet()).containsExactly(upOrigin);
    ApiClient.assertError(tenant.get("/v1/overview?organizationId=8"), 404, "organizationId");
    ApiClient.assertError(tenant.get("/v1/origins?organizationId=8"), 404, "organizationId");
    assertThat(ok(operator.get("/v1/overview?organizationId=8")).getJsonArray("openCircuits")).hasSize(1);
  }

  @Test
  void listCountAndBulkRetryFilterByOriginAndLastStatusCode() {
    Seeded seeded = seed();

    JsonArray atDown = ok(operator.get("/v1/deliveries?origin=" + encode(downOrigin))).getJsonArray("items");
    assertThat(atDown).hasSize(2).allSatisfy(i -> assertThat(((JsonObject) i).getString("origin")).isEqualTo(downOrigin));
    assertThat(ok(operator.get("/v1/deliveries?lastStatusCode=500")).getJsonArray("items")).singleElement()
        .satisfies(i -> assertThat(((JsonObject) i).getString("deliveryUuid")).isEqualTo(seeded.hostile));
    assertThat(ok(operator.get("/v1/deliveries/count?status=dead_letter&origin=" + encode(upOrigin)))
        .getLong("count")).isEqualTo(2);
    assertThat(ok(operator.get("/v1/deliveries/count?origin=" + encode(downOrigin))).getLong("count")).isEqualTo(2);
    assertThat(ok(operator.get("/v1/deliveries/count")).getLong("count")).isEqualTo(6);
    assertThat(ok(tenant.get("/v1/deliveries/count")).getLong("count")).isEqualTo(4);
    assertThat(ok(tenant.get("/v1/deliveries/count?origin=" + encode(downOrigin))).getLong("count")).isZero();
    ApiClient.assertError(tenant.get("/v1/deliveries/count?organizationId=8"), 404, "organizationId");
    ApiClient.assertError(operator.get("/v1/deliveries/count?origin=" + encode(upOrigin + "/path")), 400, "origin");
    ApiClient.assertError(operator.get("/v1/deliveries?lastStatusCode=abc"), 400, "lastStatusCode");

    HttpResponse<Buffer> retried = operator.post("/v1/deliveries/retry",
        new JsonObject().put("origin", upOrigin).put("lastStatusCode", 500));
    assertThat(ok(retried).getLong("retried")).isEqualTo(1);
    HttpResponse<Buffer> resent = operator.post("/v1/deliveries/resend",
        new JsonObject().put("origin", upOrigin).put("workflowRunId", OK_RUN));
    assertThat(ok(resent).getLong("resent")).isEqualTo(1);
    ApiClient.assertError(operator.post("/v1/deliveries/retry", new JsonObject().put("origin", "not an origin")), 400,
        "origin");
  }

  @Test
  void theRequestAsSentMasksTheCredentialAndAHostileAnswerComesBackAsJsonText() {
    Seeded seeded = seed();

    JsonObject request = ok(operator.get("/v1/deliveries/" + seeded.withCredential + "/request"));
    assertThat(request.fieldNames()).containsExactlyInAnyOrder("method", "url", "headers", "body");
    assertThat(request.getString("method")).isEqualTo("POST");
    assertThat(request.getString("url")).isEqualTo(fixture.receiver.url("/ok"));
    assertThat(new JsonObject(request.getString("body"))).isEqualTo(new JsonObject(
        fixture.receiver.requestsTo("/ok").get(0).body()));
    Map<String, String> headers = request.getJsonArray("headers").stream().map(h -> (JsonObject) h)
        .collect(Collectors.toMap(h -> h.getString("name").toLowerCase(), h -> h.getString("value")));
    assertThat(headers.get("authorization")).isEqualTo("********");
    assertThat(headers.get("x-source")).isEqualTo("workflow");
    assertThat(headers.get("content-type")).isEqualTo("application/json");
    Receiver.Received sent = fixture.receiver.requestsTo("/ok").stream()
        .filter(r -> seeded.withCredential.equals(r.header("X-Dograh-Delivery-Id"))).findFirst().orElseThrow();
    assertThat(sent.header("Authorization")).isEqualTo("Bearer " + SECRET);
    assertThat(headers.get("x-dograh-delivery-id")).isEqualTo(sent.header("X-Dograh-Delivery-Id"));
    assertThat(headers.get("x-dograh-delivery-attempt")).isEqualTo(sent.header("X-Dograh-Delivery-Attempt"));
    assertThat(request.encode()).doesNotContain(SECRET);

    ApiClient.assertError(tenant.get("/v1/deliveries/" + seeded.atDown + "/request"), 404, "uuid");
    assertThat(tenant.get("/v1/deliveries/" + seeded.withCredential + "/request").statusCode()).isEqualTo(200);
    ApiClient.assertError(operator.get("/v1/deliveries/00000000-0000-4000-8000-000000000000/request"), 404, "uuid");

    HttpResponse<Buffer> attempts = operator.get("/v1/deliveries/" + seeded.hostile + "/attempts");
    assertThat(attempts.getHeader("Content-Type")).startsWith("application/json");
    assertThat(ok(attempts).getJsonArray("items").getJsonObject(0).getString("responseBody")).isEqualTo(HOSTILE);
  }

  /**
   * Organization 7 to the receiver that answers: two successes (one with a bearer credential), a
   * hostile 500 and a 410, each a dead letter; organization 8 twice to the one that is down, which
   * opens its circuit.
   */
  private Seeded seed() {
    HttpResponse<Buffer> credential = operator.post("/v1/credentials", new JsonObject().put("organizationId", 7)
        .put("type", "bearer_token").put("data", new JsonObject().put("token", SECRET)));
    String credentialUuid = ok(credential).getString("credentialUuid");
    JsonObject withCredential = Messages.create(7, 71, "node-1", fixture.receiver.url("/ok"));
    withCredential.getJsonObject("webhook").put("credentialUuid", credentialUuid);
    String sent = create(withCredential);
    String hostile = create(Messages.create(7, 72, "node-1", fixture.receiver.url("/hostile")));
    create(Messages.create(7, OK_RUN, "node-1", fixture.receiver.url("/ok")));
    create(Messages.create(7, 74, "node-1", fixture.receiver.url("/gone")));
    String atDown = create(Messages.create(8, 81, "node-1", down.url("/a")));
    create(Messages.create(8, 82, "node-1", down.url("/b")));
    Await.until("every delivery to end and the circuit to open", WAIT, () ->
        fixture.infra.count("status = 'pending'") == 0
            && ok(operator.get("/v1/overview")).getJsonArray("openCircuits").size() == 1);
    return new Seeded(sent, hostile, atDown);
  }

  private String create(JsonObject body) {
    HttpResponse<Buffer> created = operator.post("/v1/deliveries", body);
    return ok(created).getString("deliveryUuid");
  }

  private static JsonObject ok(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isBetween(200, 201);
    return response.bodyAsJsonObject();
  }

  private static Map<String, JsonObject> byOrigin(JsonObject origins) {
    Map<String, JsonObject> byOrigin = new LinkedHashMap<>();
    origins.getJsonArray("items").forEach(i -> byOrigin.put(((JsonObject) i).getString("origin"), (JsonObject) i));
    return byOrigin;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private record Seeded(String withCredential, String hostile, String atDown) {
  }
}
