package dev.hookline.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.ops.OperatorBusVerticle;
import dev.hookline.security.HostResolver;
import dev.hookline.security.StandardWebhooks;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.TestInfra;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Test sends over real HTTP and the event bus against a running Hookline, Postgres, Redis and a
 * real receiver: sent once as a delivery would be (rendered, signed, id headers), answered with
 * what came back, refused destinations reported without sending, nothing stored, limited per
 * organization, confined for tenant tokens, counted under their own meter. DNS is scripted.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TestDeliveriesTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String OPERATOR = "operator-token-0123456789abcdef";
  private static final String TENANT_7 = "tenant-seven-token-0123456789ab";
  private static final int PER_MINUTE = 3;
  /** A name whose only DNS answer is an internal address the guard refuses. */
  private static final String REFUSED_HOST = "intranet.test";
  /** A name that resolves to the loopback receiver, which the test config allows (as it is written, too). */
  private static final String RECEIVER_HOST = "receiver.test";

  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;
  private Hookline hookline;
  private ApiClient operator;
  private ApiClient tenant;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(OPERATOR)
        .add(new JsonObject().put("token", TENANT_7).put("organizationId", 7)));
    config.getJsonObject("delivery").put("testSendsPerMinute", PER_MINUTE);
    Map<String, List<InetAddress>> dns = Map.of(
        REFUSED_HOST, List.of(InetAddress.getByName("10.20.30.40")),
        RECEIVER_HOST, List.of(InetAddress.getByName("127.0.0.1")),
        "127.0.0.1", List.of(InetAddress.getByName("127.0.0.1")));
    HostResolver scripted = host -> dns.containsKey(host) ? Future.succeededFuture(dns.get(host))
        : Future.failedFuture(new UnknownHostException(host));
    hookline = fixture.startWithConfig(vertx, config, scripted);
    operator = new ApiClient(vertx, hookline, OPERATOR);
    tenant = new ApiClient(vertx, hookline, TENANT_7);
  }

  @AfterEach
  void tearDown() {
    operator.close();
    tenant.close();
    fixture.close();
  }

  private String url(String host, String path) {
    return receiver.url(path).replace("127.0.0.1", host);
  }

  private HttpResponse<Buffer> test(ApiClient client, JsonObject body) {
    return client.post("/v1/test-deliveries", body);
  }

  private JsonObject testOk(JsonObject body) {
    HttpResponse<Buffer> response = test(operator, body);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private String createCredential(long org, String type, JsonObject data) {
    HttpResponse<Buffer> created = operator.post("/v1/credentials", new JsonObject().put("organizationId", org)
        .put("type", type).put("data", data));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("credentialUuid");
  }

  private double tests(String outcome) {
    Counter counter = hookline.metrics().registry().find("hookline.test.deliveries").tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  private void assertNothingStored() {
    assertThat(infra.count("true")).as("delivery rows").isZero();
    assertThat(infra.sql("SELECT count(*) FROM webhook_delivery_attempts").get(0).get(0)).as("attempt rows")
        .isEqualTo(0L);
    assertThat(hookline.metrics().registry().find("hookline.delivery.attempts").counters())
        .as("test sends are not delivery attempts").isEmpty();
  }

  private static String freshSecret() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  @Test
  void anAnsweringReceiverIsReportedAndGotOneSignedRequestWithTheRenderedPayload() {
    String secret = freshSecret();
    String credential = createCredential(7, "standard_webhooks",
        new JsonObject().put("secrets", new JsonArray().add(secret)));
    receiver.behave(r -> new Reply(201, 0, false, Map.of("X-Receiver", "crm-1"), "{\"ok\":true}"));
    JsonObject body = Messages.create(7, 9, "node-1", url(RECEIVER_HOST, "/hook"));
    body.getJsonObject("webhook").put("credentialUuid", credential).getJsonArray("customHeaders")
        .add(new JsonObject().put("key", "X-Api-Token").put("value", "not-for-a-header"));

    JsonObject result = testOk(body);

    assertThat(result.getInteger("statusCode")).isEqualTo(201);
    assertThat(result.getLong("latencyMs")).isNotNegative();
    assertThat(result.getJsonObject("responseHeaders").getString("x-receiver")).isEqualTo("crm-1");
    assertThat(result.getString("responseBody")).isEqualTo("{\"ok\":true}");
    assertThat(result.containsKey("error")).isTrue();
    assertThat(result.getString("error")).isNull();
    assertThat(result.getBoolean("signed")).isTrue();
    assertThat(result.getBoolean("sent")).isTrue();
    assertThat(result.getJsonArray("droppedHeaders")).containsExactly("X-Api-Token");

    assertThat(receiver.requests()).hasSize(1);
    Receiver.Received got = receiver.requests().get(0);
    assertThat(new JsonObject(got.body())).isEqualTo(new JsonObject().put("event", "call_done").put("run", "9")
        .put("call_disposition", "user_hangup"));
    assertThat(got.header("X-Source")).isEqualTo("workflow");
    assertThat(got.header("X-Api-Token")).isNull();
    assertThat(got.header("X-Dograh-Delivery-Attempt")).isEqualTo("1");
    assertThat(got.header("X-Dograh-Workflow-Run-Id")).isEqualTo("9");
    String deliveryId = got.header("X-Dograh-Delivery-Id");
    assertThat(UUID.fromString(deliveryId)).isNotNull();
    assertThat(got.header(StandardWebhooks.ID_HEADER)).isEqualTo(deliveryId);
    long timestamp = Long.parseLong(got.header(StandardWebhooks.TIMESTAMP_HEADER));
    assertThat(got.header(StandardWebhooks.SIGNATURE_HEADER)).isEqualTo(new StandardWebhooks(List.of(secret))
        .signature(deliveryId, timestamp, got.body().getBytes(StandardCharsets.UTF_8)));

    assertThat(tests("succeeded")).isEqualTo(1);
    assertNothingStored();
  }

  @Test
  void runAndNodeAreOptionalAndTheIdHeadersSayRunZeroWithAFreshUuidEachTime() {
    JsonObject body = Messages.create(7, 9, "node-1", receiver.url("/hook"));
    body.remove("workflowRunId");
    body.remove("webhookNodeId");

    JsonObject first = testOk(body);
    JsonObject second = testOk(body);

    assertThat(first.getBoolean("signed")).isFalse();
    assertThat(second.getInteger("statusCode")).isEqualTo(200);
    assertThat(receiver.requests()).hasSize(2).allSatisfy(r -> {
      assertThat(r.header("X-Dograh-Workflow-Run-Id")).isEqualTo("0");
      assertThat(r.header("X-Dograh-Delivery-Attempt")).isEqualTo("1");
    });
    assertThat(receiver.requests().get(0).header("X-Dograh-Delivery-Id"))
        .isNotEqualTo(receiver.requests().get(1).header("X-Dograh-Delivery-Id"));
    assertNothingStored();
  }

  @Test
  void aFailingAnswerIsReportedWithItsBodyScrubbedOfTheSecretTheRequestCarried() {
    String token = "bearer-secret-0123456789abcdef";
    String credential = createCredential(7, "bearer_token", new JsonObject().put("token", token));
    // A receiver that echoes the request's Authorization header back, as some error pages do.
    receiver.behave(r -> new Reply(401, 0, false, Map.of("X-Echo", r.header("Authorization")),
        "refused " + r.header("Authorization")));
    JsonObject body = Messages.create(7, 9, "node-1", receiver.url("/hook"));
    body.getJsonObject("webhook").put("credentialUuid", credential);

    JsonObject result = testOk(body);

    assertThat(receiver.requests()).hasSize(1);
    assertThat(receiver.requests().get(0).header("Authorization")).isEqualTo("Bearer " + token);
    assertThat(result.getInteger("statusCode")).isEqualTo(401);
    assertThat(result.getString("error")).as("the receiver answered").isNull();
    assertThat(result.getBoolean("signed")).isFalse();
    assertThat(result.encode()).doesNotContain(token);
    assertThat(result.getString("responseBody")).startsWith("refused ").contains("[redacted]");
    assertThat(result.getJsonObject("responseHeaders").getString("x-echo")).contains("[redacted]");
    assertThat(tests("failed")).isEqualTo(1);
    assertNothingStored();
  }

  @Test
  void aNameThatResolvesToARefusedAddressIsReportedAndNothingIsSent() {
    JsonObject result = testOk(Messages.create(7, 9, "node-1", url(REFUSED_HOST, "/hook")));

    assertThat(result.getBoolean("sent")).isFalse();
    assertThat(result.getInteger("statusCode")).isNull();
    assertThat(result.getString("error")).startsWith("blocked_destination: " + REFUSED_HOST + " resolves to 10.20.30.40");
    assertThat(result.getJsonObject("responseHeaders")).isEmpty();
    assertThat(receiver.requests()).isEmpty();
    assertThat(tests("refused")).isEqualTo(1);
    assertNothingStored();
  }

  @Test
  void badInputALiteralRefusedAddressOrAForeignCredentialIsAFieldNamedBadRequestAndSendsNothing() {
    ApiClient.assertError(test(operator, Messages.create(7, 9, "node-1", "http://10.20.30.40/hook")), 400,
        "webhook.endpointUrl");
    String credentialOf8 = createCredential(8, "bearer_token", new JsonObject().put("token", "eight-0123456789"));
    for (String credential : List.of(credentialOf8, UUID.randomUUID().toString())) {
      JsonObject body = Messages.create(7, 9, "node-1", receiver.url("/hook"));
      body.getJsonObject("webhook").put("credentialUuid", credential);
      HttpResponse<Buffer> refused = test(operator, body);
      ApiClient.assertError(refused, 400, "webhook.credentialUuid");
      assertThat(refused.bodyAsString()).doesNotContain("eight-0123456789");
    }
    JsonObject withoutOrganization = Messages.create(7, 9, "node-1", receiver.url("/hook"));
    withoutOrganization.remove("organizationId");
    ApiClient.assertError(test(operator, withoutOrganization), 400, "organizationId");

    assertThat(receiver.requests()).isEmpty();
    assertNothingStored();
  }

  @Test
  void pastTheLimitAnOrganizationGets429WithRetryAfterWhileOthersStillTest() {
    JsonObject of7 = Messages.create(7, 9, "node-1", receiver.url("/hook"));
    for (int i = 0; i < PER_MINUTE; i++) {
      testOk(of7);
    }

    HttpResponse<Buffer> limited = test(operator, of7);

    ApiClient.assertError(limited, 429, "organizationId");
    assertThat(limited.bodyAsJsonObject().getString("error")).contains("delivery.testSendsPerMinute");
    assertThat(Integer.parseInt(limited.getHeader("Retry-After"))).isBetween(1, 60);
    assertThat(receiver.requests()).hasSize(PER_MINUTE);
    assertThat(testOk(Messages.create(8, 9, "node-1", receiver.url("/hook"))).getInteger("statusCode")).isEqualTo(200);
    assertThat(tests("rate_limited")).isEqualTo(1);
    assertThat(tests("succeeded")).isEqualTo(PER_MINUTE + 1);
  }

  @Test
  void aTenantTokenTestsOnlyInItsOwnOrganization() {
    HttpResponse<Buffer> foreign = test(tenant, Messages.create(8, 9, "node-1", receiver.url("/hook")));

    ApiClient.assertError(foreign, 403, "organizationId");
    assertThat(receiver.requests()).isEmpty();
    HttpResponse<Buffer> own = test(tenant, Messages.create(7, 9, "node-1", receiver.url("/hook")));
    assertThat(own.statusCode()).as(own.bodyAsString()).isEqualTo(200);
    assertThat(receiver.requests()).hasSize(1);
  }

  @Test
  void theEventBusAddressAnswersAsTheApiDoes(Vertx vertx) {
    JsonObject body = Messages.create(7, 9, "node-1", receiver.url("/hook"));

    JsonObject reply = (JsonObject) vertx.eventBus().request(OperatorBusVerticle.TEST_ADDRESS, body).await().body();

    assertThat(reply.getInteger("statusCode")).isEqualTo(200);
    assertThat(reply.getBoolean("sent")).isTrue();
    assertThat(reply.getJsonArray("droppedHeaders")).isEmpty();
    assertThat(receiver.requests()).hasSize(1);

    JsonObject bad = Messages.create(7, 9, "node-1", "ftp://example.com/");
    ReplyException invalid = Messages.requestExpectingFailure(vertx, OperatorBusVerticle.TEST_ADDRESS, bad);
    assertThat(invalid.failureCode()).isEqualTo(400);
    assertThat(invalid.getMessage()).startsWith("webhook.endpointUrl:");

    for (int i = 1; i < PER_MINUTE; i++) {
      vertx.eventBus().request(OperatorBusVerticle.TEST_ADDRESS, body).await();
    }
    ReplyException limited = Messages.requestExpectingFailure(vertx, OperatorBusVerticle.TEST_ADDRESS, body);
    assertThat(limited.failureCode()).isEqualTo(429);
    assertThat(limited.getMessage()).startsWith("organizationId:");
    assertThat(receiver.requests()).hasSize(PER_MINUTE);
    assertNothingStored();
  }
}
