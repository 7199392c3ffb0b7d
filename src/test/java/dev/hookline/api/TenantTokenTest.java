package dev.hookline.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tenant-scoped API tokens over real HTTP against a running Hookline, Postgres and Redis: a token
 * for organization 7 sees and changes organization 7's deliveries and credentials, and of
 * organization 8's learns nothing through any route (not even that they exist), while the
 * operator token still sees both.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TenantTokenTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String OPERATOR = "operator-token-0123456789abcdef";
  private static final String TENANT_7 = "tenant-seven-token-0123456789ab";
  private static final Duration WAIT = Duration.ofSeconds(15);
  // Organization 8's runs hold no digit 8, so a message naming organization 8 cannot hide behind them.
  private static final long RUN_8_DEAD = 501;
  private static final long RUN_8_LATER = 502;
  private static final String SECRET_8 = "org-eight-secret-token-value";

  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;
  private ApiClient operator;
  private Tenant tenant;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray()
        .add(OPERATOR)
        .add(new JsonObject().put("token", TENANT_7).put("organizationId", 7)));
    // A retried delivery waits an hour: "/later" stays pending, untouched, for the whole test.
    config.getJsonObject("delivery").put("baseDelaySeconds", 3_600).put("maxDelaySeconds", 3_600);
    receiver.behave(r -> switch (r.path()) {
      case "/dead" -> Reply.status(410);
      case "/later" -> Reply.status(503);
      default -> Reply.status(200);
    });
    Hookline hookline = fixture.startWithConfig(vertx, config);
    operator = new ApiClient(vertx, hookline, OPERATOR);
    tenant = new Tenant(new ApiClient(vertx, hookline, TENANT_7));
  }

  @AfterEach
  void tearDown() {
    try {
      operator.close();
      tenant.api.close();
    } finally {
      fixture.close();
    }
  }

  // ---------------------------------------------------------------- deliveries

  @Test
  void aTenantTokenReadsOnlyItsOwnOrganizationsDeliveriesAndCannotTellAnotherOnesFromNone() {
    Seeded seeded = seedDeliveries();

    HttpResponse<Buffer> all = tenant.get("/v1/deliveries");
    assertThat(all.statusCode()).as(all.bodyAsString()).isEqualTo(200);
    assertThat(uuids(all)).containsExactlyInAnyOrder(seeded.dead7, seeded.ok7);
    assertThat(all.bodyAsJsonObject().getJsonArray("items")).allSatisfy(item ->
        assertThat(((JsonObject) item).getLong("organizationId")).isEqualTo(7L));
    assertThat(uuids(tenant.get("/v1/deliveries?organizationId=7"))).containsExactlyInAnyOrder(seeded.dead7, seeded.ok7);
    assertThat(uuids(tenant.get("/v1/deliveries?status=dead_letter"))).containsExactly(seeded.dead7);
    assertThat(uuids(tenant.get("/v1/deliveries?workflowRunId=" + RUN_8_DEAD))).isEmpty();
    ApiClient.assertError(tenant.get("/v1/deliveries?organizationId=8"), 404, "organizationId");

    for (String other : List.of(seeded.dead8, seeded.later8)) {
      for (String route : List.of("/v1/deliveries/%s", "/v1/deliveries/%s/attempts")) {
        assertAnswersAsForAnUnknownUuid(other, uuid -> tenant.get(route.formatted(uuid)), 404, "uuid");
      }
    }

    HttpResponse<Buffer> own = tenant.get("/v1/deliveries/" + seeded.ok7);
    assertThat(own.statusCode()).as(own.bodyAsString()).isEqualTo(200);
    assertThat(own.bodyAsJsonObject().getLong("organizationId")).isEqualTo(7L);
    HttpResponse<Buffer> ownAttempts = tenant.get("/v1/deliveries/" + seeded.ok7 + "/attempts");
    assertThat(ownAttempts.statusCode()).as(ownAttempts.bodyAsString()).isEqualTo(200);
    assertThat(ownAttempts.bodyAsJsonObject().getJsonArray("items")).hasSize(1);

    HttpResponse<Buffer> everything = operator.get("/v1/deliveries");
    assertThat(uuids(everything)).containsExactlyInAnyOrder(seeded.dead7, seeded.ok7, seeded.dead8, seeded.later8);
    assertThat(uuids(operator.get("/v1/deliveries?organizationId=8"))).containsExactlyInAnyOrder(seeded.dead8, seeded.later8);
    assertThat(operator.get("/v1/deliveries/" + seeded.dead8 + "/attempts").statusCode()).isEqualTo(200);

    tenant.assertNeverLearned(seeded.org8());
  }

  @Test
  void aTenantTokenRetriesAndCancelsOnlyItsOwnOrganizationsDeliveries() {
    Seeded seeded = seedDeliveries();
    JsonObject dead8Before = operatorView(seeded.dead8);
    JsonObject later8Before = operatorView(seeded.later8);

    for (String other : List.of(seeded.dead8, seeded.later8)) {
      for (String route : List.of("/v1/deliveries/%s/retry", "/v1/deliveries/%s/cancel")) {
        assertAnswersAsForAnUnknownUuid(other, uuid -> tenant.post(route.formatted(uuid), null), 404, "uuid");
      }
    }
    ApiClient.assertError(tenant.post("/v1/deliveries/retry", new JsonObject().put("organizationId", 8)), 404,
        "organizationId");
    HttpResponse<Buffer> bulk = tenant.post("/v1/deliveries/retry", new JsonObject());
    assertThat(bulk.statusCode()).as(bulk.bodyAsString()).isEqualTo(200);
    assertThat(bulk.bodyAsJsonObject().getLong("retried")).as("only organization 7's dead letter").isEqualTo(1);

    assertThat(operatorView(seeded.dead8)).isEqualTo(dead8Before);
    assertThat(operatorView(seeded.later8)).isEqualTo(later8Before);

    // Its own: the bulk-retried dead letter dies again (410) and is retried alone; a new one is cancelled.
    Await.until("organization 7's dead letter to die again", WAIT, () -> {
      JsonObject row = tenant.get("/v1/deliveries/" + seeded.dead7).bodyAsJsonObject();
      return "dead_letter".equals(row.getString("status")) && row.getInteger("attemptCount") == 2;
    });
    HttpResponse<Buffer> retried = tenant.post("/v1/deliveries/" + seeded.dead7 + "/retry", null);
    assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(200);
    assertThat(retried.bodyAsJsonObject().getString("status")).isEqualTo("pending");

    String mine = create(tenant::post, 7, 710, "/later");
    HttpResponse<Buffer> cancelled = tenant.post("/v1/deliveries/" + mine + "/cancel", null);
    assertThat(cancelled.statusCode()).as(cancelled.bodyAsString()).isEqualTo(200);
    assertThat(cancelled.bodyAsJsonObject().getString("status")).isEqualTo("cancelled");
    assertThat(tenant.get("/v1/deliveries/" + mine).bodyAsJsonObject().getString("status")).isEqualTo("cancelled");

    // The 404s were the tenant's, not the rows': the operator can still change both.
    assertThat(operator.post("/v1/deliveries/" + seeded.later8 + "/cancel", null).statusCode()).isEqualTo(200);
    assertThat(operator.post("/v1/deliveries/" + seeded.dead8 + "/retry", null).statusCode()).isEqualTo(200);

    tenant.assertNeverLearned(seeded.org8());
  }

  @Test
  void aTenantTokenCreatesDeliveriesOnlyInItsOwnOrganization() {
    Seeded seeded = seedDeliveries();

    ApiClient.assertError(tenant.post("/v1/deliveries", body(8, 601, "/ok")), 403, "organizationId");
    ApiClient.assertError(tenant.postArray("/v1/deliveries/batch", new JsonArray().add(body(8, 602, "/ok"))), 403,
        "[0].organizationId");
    // One foreign item refuses the whole batch: its organization-7 neighbour is not written either.
    ApiClient.assertError(tenant.postArray("/v1/deliveries/batch",
        new JsonArray().add(body(7, 703, "/ok")).add(body(8, 603, "/ok"))), 403, "[1].organizationId");
    assertThat(infra.count("workflow_run_id IN (601, 602, 603, 703)")).isZero();
    assertThat(infra.count("organization_id = 8")).isEqualTo(2);

    // Organization 8's run, reused for organization 7: refused without naming the owner.
    HttpResponse<Buffer> reused = tenant.post("/v1/deliveries", body(7, RUN_8_DEAD, "/ok"));
    ApiClient.assertError(reused, 409, "workflowRunId");
    assertThat(reused.bodyAsJsonObject().getString("error"))
        .isEqualTo("workflow run " + RUN_8_DEAD + " belongs to another organization");
    assertThat(reused.bodyAsString()).doesNotContain("8");
    HttpResponse<Buffer> reusedByOperator = operator.post("/v1/deliveries", body(7, RUN_8_DEAD, "/ok"));
    ApiClient.assertError(reusedByOperator, 409, "workflowRunId");
    assertThat(reusedByOperator.bodyAsJsonObject().getString("error")).contains("organization 8");
    assertThat(infra.count("workflow_run_id = ?", RUN_8_DEAD)).isEqualTo(1);

    String created = create(tenant::post, 7, 720, "/ok");
    HttpResponse<Buffer> again = tenant.post("/v1/deliveries", body(7, 720, "/ok"));
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject().getString("deliveryUuid")).isEqualTo(created);
    HttpResponse<Buffer> batch = tenant.postArray("/v1/deliveries/batch",
        new JsonArray().add(body(7, 721, "/ok")).add(body(7, 722, "/ok")));
    assertThat(batch.statusCode()).as(batch.bodyAsString()).isEqualTo(200);
    assertThat(batch.bodyAsJsonArray()).allSatisfy(item ->
        assertThat(((JsonObject) item).getString("status")).isEqualTo("created"));
    assertThat(uuids(tenant.get("/v1/deliveries"))).contains(created).hasSize(5).doesNotContainAnyElementsOf(seeded.org8());
    assertThat(infra.count("organization_id = 7")).isEqualTo(5);

    tenant.assertNeverLearned(seeded.org8());
  }

  /**
   * Known bug: {@code DeliveriesApi.createBatch} answers each item with {@code CreateItem.toJson()},
   * which carries the raw {@code TenantMismatchException} message ("workflow run 501 belongs to
   * organization 8, not 7"); the single create scrubs it for tenants in {@code DeliveriesApi.fail}.
   */
  @Test
  void aBatchItemReusingAnotherOrganizationsRunDoesNotNameThatOrganization() {
    create(operator::post, 8, RUN_8_DEAD, "/ok");

    HttpResponse<Buffer> batch = tenant.postArray("/v1/deliveries/batch", new JsonArray().add(body(7, RUN_8_DEAD, "/ok")));

    assertThat(batch.statusCode()).as(batch.bodyAsString()).isEqualTo(200);
    JsonObject item = batch.bodyAsJsonArray().getJsonObject(0);
    assertThat(item.getString("status")).isEqualTo("failed");
    assertThat(item.getInteger("code")).isEqualTo(409);
    assertThat(item.getString("error")).isEqualTo("workflow run " + RUN_8_DEAD + " belongs to another organization");
    assertThat(batch.bodyAsString()).doesNotContain("8");
  }

  @Test
  void metricsAndReadinessDetailsAreForTheOperatorOnly() {
    ApiClient.assertError(tenant.get("/metrics"), 403, null);
    assertThat(operator.get("/metrics").statusCode()).isEqualTo(200);

    HttpResponse<Buffer> ready = tenant.get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "up"));
    assertThat(operator.get("/health/ready").bodyAsJsonObject().containsKey("checks")).isTrue();
  }

  // ---------------------------------------------------------------- credentials

  @Test
  void aTenantTokenNeitherSeesNorTouchesAnotherOrganizationsCredentials() {
    String cred7 = createCredential(operator::post, 7, "org-seven-secret-token");
    String cred8 = createCredential(operator::post, 8, SECRET_8);
    JsonObject cred8Before = operator.get("/v1/credentials/" + cred8 + "?organizationId=8").bodyAsJsonObject();

    ApiClient.assertError(tenant.post("/v1/credentials", credential(8, "planted-by-tenant-7")), 404, "organizationId");
    ApiClient.assertError(tenant.get("/v1/credentials?organizationId=8"), 404, "organizationId");
    assertAnswersAsForAnUnknownUuid(cred8, uuid -> tenant.get("/v1/credentials/" + uuid + "?organizationId=8"), 404,
        "organizationId");
    assertAnswersAsForAnUnknownUuid(cred8, uuid -> tenant.get("/v1/credentials/" + uuid + "?organizationId=7"), 404,
        "uuid");
    assertAnswersAsForAnUnknownUuid(cred8, uuid -> tenant.delete("/v1/credentials/" + uuid + "?organizationId=8"), 404,
        "organizationId");
    assertAnswersAsForAnUnknownUuid(cred8, uuid -> tenant.delete("/v1/credentials/" + uuid + "?organizationId=7"), 404,
        "uuid");
    ApiClient.assertError(tenant.put("/v1/credentials/" + cred8, credential(8, "hijacked")), 404, "organizationId");

    // Taking over organization 8's uuid for organization 7 is refused without naming the owner.
    HttpResponse<Buffer> rotated = tenant.put("/v1/credentials/" + cred8, credential(7, "hijacked"));
    HttpResponse<Buffer> planted = tenant.post("/v1/credentials", credential(7, "hijacked").put("credentialUuid", cred8));
    for (HttpResponse<Buffer> taken : List.of(rotated, planted)) {
      ApiClient.assertError(taken, 409, "credentialUuid");
      assertThat(taken.bodyAsJsonObject().getString("error"))
          .isEqualTo("credential " + cred8 + " belongs to another organization");
      assertThat(taken.bodyAsString()).doesNotContain("organization 8").doesNotContain("\"organizationId\":8");
    }

    assertThat(operator.get("/v1/credentials/" + cred8 + "?organizationId=8").bodyAsJsonObject()).isEqualTo(cred8Before);
    assertThat(credentialUuids(operator.get("/v1/credentials?organizationId=8"))).containsExactly(cred8);
    assertThat(credentialUuids(operator.get("/v1/credentials?organizationId=7"))).containsExactly(cred7);
    assertThat(infra.sql("SELECT count(*) FROM webhook_credentials").get(0).get(0)).isEqualTo(2L);

    tenant.assertNeverLearned(Set.of(cred8, SECRET_8));
  }

  @Test
  void aTenantTokenManagesItsOwnOrganizationsCredentials() {
    String cred7 = createCredential(operator::post, 7, "org-seven-secret-token");
    String cred8 = createCredential(operator::post, 8, SECRET_8);

    String mine = createCredential(tenant::post, 7, "tenant-seven-own-token");
    assertThat(credentialUuids(tenant.get("/v1/credentials?organizationId=7"))).containsExactlyInAnyOrder(cred7, mine);
    HttpResponse<Buffer> one = tenant.get("/v1/credentials/" + mine + "?organizationId=7");
    assertThat(one.statusCode()).as(one.bodyAsString()).isEqualTo(200);
    assertThat(one.bodyAsJsonObject().getLong("organizationId")).isEqualTo(7L);
    HttpResponse<Buffer> rotated = tenant.put("/v1/credentials/" + mine, credential(7, "tenant-seven-rotated"));
    assertThat(rotated.statusCode()).as(rotated.bodyAsString()).isEqualTo(200);
    HttpResponse<Buffer> deleted = tenant.delete("/v1/credentials/" + mine + "?organizationId=7");
    assertThat(deleted.statusCode()).as(deleted.bodyAsString()).isEqualTo(204);
    ApiClient.assertError(tenant.get("/v1/credentials/" + mine + "?organizationId=7"), 404, "uuid");
    assertThat(credentialUuids(operator.get("/v1/credentials?organizationId=7"))).containsExactly(cred7);
    assertThat(credentialUuids(operator.get("/v1/credentials?organizationId=8"))).containsExactly(cred8);

    tenant.assertNeverLearned(Set.of(cred8, SECRET_8));
  }

  @Test
  void aTenantDeliveryNamingAnotherOrganizationsCredentialIsSentWithoutIt() {
    String cred8 = createCredential(operator::post, 8, SECRET_8);

    JsonObject borrowing = body(7, 730, "/borrowing");
    borrowing.getJsonObject("webhook").put("credentialUuid", cred8);
    HttpResponse<Buffer> created = tenant.post("/v1/deliveries", borrowing);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject owning = body(8, 530, "/owning");
    owning.getJsonObject("webhook").put("credentialUuid", cred8);
    create(operator::post, owning);

    Await.until("both deliveries sent", WAIT,
        () -> receiver.requestsTo("/borrowing").size() == 1 && receiver.requestsTo("/owning").size() == 1,
        () -> "received: " + receiver.requests());
    assertThat(receiver.requestsTo("/owning").get(0).header("Authorization")).isEqualTo("Bearer " + SECRET_8);
    Receiver.Received borrowed = receiver.requestsTo("/borrowing").get(0);
    assertThat(borrowed.header("Authorization")).isNull();
    assertThat(borrowed.headers().entries()).noneSatisfy(h -> assertThat(h.getValue()).contains(SECRET_8));
    assertThat(borrowed.body()).doesNotContain(SECRET_8);

    String uuid = created.bodyAsJsonObject().getString("deliveryUuid");
    Await.until("the tenant's delivery to succeed", WAIT,
        () -> "succeeded".equals(tenant.get("/v1/deliveries/" + uuid).bodyAsJsonObject().getString("status")));
    assertThat(tenant.get("/v1/deliveries/" + uuid + "/attempts").statusCode()).isEqualTo(200);

    tenant.assertNeverLearned(Set.of(SECRET_8));
  }

  // ---------------------------------------------------------------- helpers

  /** A POST as the operator or as the tenant. */
  private interface Poster {
    HttpResponse<Buffer> post(String path, JsonObject body);
  }

  /** Organization 8: a dead letter and a pending delivery; organization 7: a dead letter and a success. */
  private record Seeded(String dead8, String later8, String dead7, String ok7) {
    Set<String> org8() {
      return Set.of(dead8, later8);
    }
  }

  private Seeded seedDeliveries() {
    Seeded seeded = new Seeded(create(operator::post, 8, RUN_8_DEAD, "/dead"), create(operator::post, 8, RUN_8_LATER, "/later"),
        create(operator::post, 7, 701, "/dead"), create(operator::post, 7, 702, "/ok"));
    awaitOperatorView(seeded.dead8, "dead_letter", 1);
    awaitOperatorView(seeded.later8, "pending", 1);
    awaitOperatorView(seeded.dead7, "dead_letter", 1);
    awaitOperatorView(seeded.ok7, "succeeded", 1);
    return seeded;
  }

  private void awaitOperatorView(String uuid, String status, int recordedAttempts) {
    Await.until(uuid + " " + status + " after " + recordedAttempts + " attempt(s)", WAIT, () -> {
      JsonObject row = operatorView(uuid);
      return status.equals(row.getString("status")) && row.getInteger("recordedAttempts") == recordedAttempts;
    }, () -> operatorView(uuid).encode());
  }

  private JsonObject operatorView(String uuid) {
    HttpResponse<Buffer> response = operator.get("/v1/deliveries/" + uuid);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private JsonObject body(long org, long run, String path) {
    return Messages.create(org, run, "node-1", receiver.url(path));
  }

  private String create(Poster api, long org, long run, String path) {
    return create(api, body(org, run, path));
  }

  private static String create(Poster api, JsonObject body) {
    HttpResponse<Buffer> response = api.post("/v1/deliveries", body);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject().getString("deliveryUuid");
  }

  private static JsonObject credential(long org, String token) {
    return new JsonObject().put("organizationId", org).put("type", "bearer_token")
        .put("data", new JsonObject().put("token", token));
  }

  private static String createCredential(Poster api, long org, String token) {
    HttpResponse<Buffer> response = api.post("/v1/credentials", credential(org, token));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject().getString("credentialUuid");
  }

  private static List<String> uuids(HttpResponse<Buffer> list) {
    assertThat(list.statusCode()).as(list.bodyAsString()).isEqualTo(200);
    return list.bodyAsJsonObject().getJsonArray("items").stream()
        .map(item -> ((JsonObject) item).getString("deliveryUuid")).collect(Collectors.toList());
  }

  private static List<String> credentialUuids(HttpResponse<Buffer> list) {
    assertThat(list.statusCode()).as(list.bodyAsString()).isEqualTo(200);
    return list.bodyAsJsonObject().getJsonArray("items").stream()
        .map(item -> ((JsonObject) item).getString("credentialUuid")).collect(Collectors.toList());
  }

  /**
   * The answer about another organization's {@code uuid} is the expected error, and the same,
   * status and body, as the answer about a uuid that exists nowhere: nothing tells the two apart.
   */
  private static void assertAnswersAsForAnUnknownUuid(String uuid, Function<String, HttpResponse<Buffer>> call,
                                                      int status, String field) {
    String unknown = UUID.randomUUID().toString();
    HttpResponse<Buffer> other = call.apply(uuid);
    HttpResponse<Buffer> nowhere = call.apply(unknown);
    ApiClient.assertError(other, status, field);
    assertThat(other.bodyAsString().replace(uuid, "<uuid>"))
        .isEqualTo(nowhere.bodyAsString().replace(unknown, "<uuid>"));
  }

  /** The tenant's client: every exchange is kept, so a test can check what the tenant was ever told. */
  private static final class Tenant {
    private final ApiClient api;
    private final List<String[]> exchanges = new ArrayList<>();

    Tenant(ApiClient api) {
      this.api = api;
    }

    HttpResponse<Buffer> get(String path) {
      return record("GET " + path, () -> api.get(path));
    }

    HttpResponse<Buffer> post(String path, JsonObject body) {
      return record("POST " + path + " " + body, () -> api.post(path, body));
    }

    HttpResponse<Buffer> postArray(String path, JsonArray body) {
      return record("POST " + path + " " + body, () -> api.request(HttpMethod.POST, path).sendJson(body).await());
    }

    HttpResponse<Buffer> put(String path, JsonObject body) {
      return record("PUT " + path + " " + body, () -> api.put(path, body));
    }

    HttpResponse<Buffer> delete(String path) {
      return record("DELETE " + path, () -> api.delete(path));
    }

    private HttpResponse<Buffer> record(String request, Supplier<HttpResponse<Buffer>> call) {
      HttpResponse<Buffer> response = call.get();
      exchanges.add(new String[] {request, response.statusCode() + " " + response.bodyAsString()});
      return response;
    }

    /**
     * No answer told the tenant any of {@code secrets} before its own requests named it (a 404
     * echoing the uuid the tenant asked about tells it nothing), nor named organization 8 unless
     * the request did.
     */
    void assertNeverLearned(Set<String> secrets) {
      assertThat(exchanges).isNotEmpty();
      Set<String> named = new HashSet<>();
      for (String[] exchange : exchanges) {
        secrets.stream().filter(exchange[0]::contains).forEach(named::add);
        for (String secret : secrets) {
          if (!named.contains(secret)) {
            assertThat(exchange[1]).as(exchange[0]).doesNotContain(secret);
          }
        }
        boolean namesOrganization8 = exchange[0].contains("organizationId=8") || exchange[0].contains("\"organizationId\":8");
        if (!namesOrganization8) {
          assertThat(exchange[1]).as(exchange[0]).doesNotContain("organization 8").doesNotContain("\"organizationId\":8");
        }
      }
    }
  }
}
