package dev.hookline.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.credentials.CredentialVerticle;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.LeakScan;
import dev.hookline.testing.LogCapture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A canary secret planted in every kind of credential (and in secret-looking custom headers) must
 * never show up in the logs, in any database column, in any API answer or in any event-bus reply,
 * while the receiver does get it on the wire.
 */
@ExtendWith(VertxExtension.class)
class SecretLeakTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long ORG = 7;
  private static final String ATTEMPT_HEADER = "X-Dograh-Delivery-Attempt";

  private final String canary = "canary-" + UUID.randomUUID().toString().replace("-", "");
  private final String apiToken = canary + "-apitoken";
  private final String bearer = canary + "-bearer";
  private final String password = canary + "-pw";
  private final String headerValue = canary + "-hdr";
  private final String apiKey = canary + "-apikey";
  private final String dropped = canary + "-dropped";
  private final String dropped2 = canary + "-dropped2";
  private final String whsecBase64 = randomBase64(32);
  private final String whsec = "whsec_" + whsecBase64;
  private final String basicBase64 = Base64.getEncoder()
      .encodeToString(("hook-user:" + password).getBytes(StandardCharsets.UTF_8));

  private LogCapture logs;
  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;
  private Hookline hookline;
  private WebClient client;

  /** Every text Hookline handed back to a caller, tagged with where it came from. */
  private final Map<String, String> answers = new LinkedHashMap<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    logs = LogCapture.root();

    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(apiToken));
    hookline = fixture.startWithConfig(vertx, config);
    client = WebClient.create(vertx);
  }

  @AfterEach
  void tearDown() {
    try {
      if (client != null) {
        client.close();
      }
      fixture.close();
    } finally {
      logs.close();
    }
  }

  /** Each canary by name; the bare prefix covers every canary-derived value at once. */
  private Map<String, String> canaries() {
    Map<String, String> canaries = new LinkedHashMap<>();
    canaries.put("canary prefix", canary);
    canaries.put("bearer token", bearer);
    canaries.put("basic password", password);
    canaries.put("basic header base64", basicBase64);
    canaries.put("custom header value", headerValue);
    canaries.put("api key", apiKey);
    canaries.put("dropped Authorization", dropped);
    canaries.put("dropped X-Api-Key", dropped2);
    canaries.put("standard webhooks secret base64", whsecBase64);
    canaries.put("API token", apiToken);
    return canaries;
  }

  @Test
  void noCanaryLeaksIntoLogsTablesApiAnswersOrEventBusReplies(Vertx vertx) {
    receiver.behave(r -> switch (r.path()) {
      case "/ok" -> new Reply(200, 0, false, Map.of("Content-Type", "text/plain"), "thanks");
      case "/flaky" -> "1".equals(r.header(ATTEMPT_HEADER))
          ? new Reply(503, 0, false, Map.of("Content-Type", "text/plain"), "busy, try later")
          : Reply.status(200);
      case "/gone" -> new Reply(404, 0, false, Map.of("Content-Type", "text/plain"), "no such hook here");
      default -> Reply.status(500);
    });

    // Credentials through the API ...
    UUID bearerCred = createCredential("bearer_token", new JsonObject().put("token", bearer));
    UUID basicCred = createCredential("basic_auth", new JsonObject().put("username", "hook-user").put("password", password));
    UUID headerCred = createCredential("custom_header",
        new JsonObject().put("header_name", "X-Partner-Signature").put("header_value", headerValue));
    UUID signingCred = createCredential("standard_webhooks", new JsonObject().put("secrets", new JsonArray().add(whsec)));
    // ... and through the event bus, including a rotation and refused writes.
    JsonObject apiKeyReply = putOnBus(vertx, new JsonObject().put("organizationId", ORG).put("type", "api_key")
        .put("data", new JsonObject().put("api_key", apiKey).put("header_name", "X-Partner-Key")));
    assertThat(apiKeyReply.getString("status")).isEqualTo("created");
    UUID apiKeyCred = UUID.fromString(apiKeyReply.getString("credentialUuid"));
    JsonObject rotated = putOnBus(vertx, new JsonObject().put("organizationId", ORG)
        .put("credentialUuid", bearerCred.toString()).put("type", "bearer_token")
        .put("data", new JsonObject().put("token", bearer)));
    assertThat(rotated.getString("status")).isEqualTo("updated");
    refusedOnBus(vertx, "bus: header value with CRLF", new JsonObject().put("organizationId", ORG).put("type", "custom_header")
        .put("data", new JsonObject().put("header_name", "X-Partner-Signature").put("header_value", headerValue + "\r\nX-Evil: 1")));
    refusedOnBus(vertx, "bus: malformed whsec", new JsonObject().put("organizationId", ORG).put("type", "standard_webhooks")
        .put("data", new JsonObject().put("secrets", new JsonArray().add("whsec_" + canary + "!!"))));
    refusedOnBus(vertx, "bus: unknown type", new JsonObject().put("organizationId", ORG).put("type", "oauth")
        .put("data", new JsonObject().put("token", bearer)));
    HttpResponse<Buffer> refused = post("/v1/credentials", new JsonObject().put("organizationId", ORG)
        .put("type", "standard_webhooks").put("data", new JsonObject().put("secrets", new JsonArray().add("whsec_" + canary))));
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(400);
    answers.put("POST /v1/credentials (refused)", refused.bodyAsString());

    // Traffic: every credential to a receiver that succeeds, fails once, or is gone for good.
    long run = 100;
    List<UUID> credentials = List.of(bearerCred, basicCred, headerCred, signingCred, apiKeyCred);
    Map<String, String> goneByCredential = new LinkedHashMap<>();
    for (UUID credential : credentials) {
      for (String path : List.of("/ok", "/flaky", "/gone")) {
        String uuid = createDelivery(run++, path, credential);
        if (path.equals("/gone")) {
          goneByCredential.put(credential.toString(), uuid);
        }
      }
    }
    createDelivery(run++, "/ok", UUID.randomUUID());

    // Secret-looking custom headers are dropped, over the event bus and over the API.
    JsonObject busCreate = withDroppedHeaders(Messages.create(ORG, run++, "node-1", receiver.url("/ok")));
    JsonObject busReply = Messages.send(vertx, busCreate);
    answers.put("event bus create reply", busReply.encode());
    assertThat(busReply.getJsonArray("droppedHeaders")).containsExactlyInAnyOrder("Authorization", "X-Api-Key");
    HttpResponse<Buffer> apiCreate = post("/v1/deliveries",
        withDroppedHeaders(Messages.create(ORG, run++, "node-1", receiver.url("/ok"))));
    assertThat(apiCreate.statusCode()).as(apiCreate.bodyAsString()).isEqualTo(201);
    answers.put("POST /v1/deliveries (dropped headers)", apiCreate.bodyAsString());
    assertThat(apiCreate.bodyAsJsonObject().getJsonArray("droppedHeaders"))
        .containsExactlyInAnyOrder("Authorization", "X-Api-Key");

    long total = run - 100;
    Await.until("every delivery to be final", WAIT,
        () -> infra.count("status <> 'pending'") == total, () -> infra.sql("SELECT id, status, attempt_count,"
            + " last_error FROM webhook_deliveries WHERE status = 'pending'").toString());

    // A dead letter retried by an operator carries the credential again.
    String retried = goneByCredential.get(bearerCred.toString());
    HttpResponse<Buffer> retryResponse = post("/v1/deliveries/" + retried + "/retry", null);
    assertThat(retryResponse.statusCode()).as(retryResponse.bodyAsString()).isEqualTo(200);
    answers.put("POST /v1/deliveries/{uuid}/retry", retryResponse.bodyAsString());
    Await.until("the retried dead letter to be final again", WAIT, () -> infra.sql("SELECT status, attempt_count"
        + " FROM webhook_deliveries WHERE delivery_uuid = ?::uuid", retried).get(0).equals(List.of("dead_letter", 2)));
    assertThat(infra.count("status = 'pending'")).isZero();

    // Sanity: the canaries are real and were used on the wire; the dropped ones were not.
    List<Receiver.Received> sent = receiver.requests();
    assertThat(sent).extracting(r -> r.header("Authorization")).contains("Bearer " + bearer, "Basic " + basicBase64);
    assertThat(sent).extracting(r -> r.header("X-Partner-Signature")).contains(headerValue);
    assertThat(sent).extracting(r -> r.header("X-Partner-Key")).contains(apiKey);
    assertThat(sent).filteredOn(r -> r.header("webhook-signature") != null).isNotEmpty();
    assertThat(sent).filteredOn(r -> "Bearer " .concat(bearer).equals(r.header("Authorization"))
        && r.path().equals("/gone")).hasSize(2);
    assertThat(sent).allSatisfy(r -> assertThat(r.headers().entries().toString()).doesNotContain(dropped));

    collectApiAnswers();

    Map<String, String> places = new LinkedHashMap<>();
    places.put("logs", logs.text());
    places.putAll(databaseText());
    places.putAll(redisText(vertx));
    answers.forEach((where, text) -> places.put("answer " + where, text));

    assertThat(LeakScan.find(places, canaries())).as("canary leaks").isEmpty();
    // The scan really looked at the content: start-up and attempt logs, rows, attempt bodies, masked replies.
    assertThat(places.get("logs")).contains("Hookline started", "outcome=dead_letter", "outcome=retry");
    assertThat(places.get("table webhook_deliveries")).contains("call_done", "workflow");
    assertThat(places.get("table webhook_delivery_attempts")).contains("no such hook here", "busy, try later");
    assertThat(places.get("table webhook_credentials")).contains("standard_webhooks", "bearer_token", "test-1");
    assertThat(places.get("answer GET /v1/credentials")).contains("********", "X-Partner-Signature");
  }

  private JsonObject withDroppedHeaders(JsonObject message) {
    message.getJsonObject("webhook").put("customHeaders", new JsonArray()
        .add(new JsonObject().put("key", "X-Source").put("value", "workflow"))
        .add(new JsonObject().put("key", "Authorization").put("value", dropped))
        .add(new JsonObject().put("key", "X-Api-Key").put("value", dropped2)));
    return message;
  }

  private UUID createCredential(String type, JsonObject data) {
    HttpResponse<Buffer> response = post("/v1/credentials",
        new JsonObject().put("organizationId", ORG).put("type", type).put("data", data));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    answers.put("POST /v1/credentials " + type, response.bodyAsString());
    return UUID.fromString(response.bodyAsJsonObject().getString("credentialUuid"));
  }

  private JsonObject putOnBus(Vertx vertx, JsonObject body) {
    JsonObject reply = (JsonObject) vertx.eventBus().request(CredentialVerticle.PUT_ADDRESS, body).await().body();
    answers.put("bus credential.put " + body.getString("type") + " #" + answers.size(), reply.encode());
    return reply;
  }

  private void refusedOnBus(Vertx vertx, String what, JsonObject body) {
    try {
      Object reply = vertx.eventBus().request(CredentialVerticle.PUT_ADDRESS, body).await().body();
      throw new AssertionError(what + ": expected a failure reply, got " + reply);
    } catch (ReplyException e) {
      assertThat(e.failureCode()).as(what).isEqualTo(400);
      answers.put(what, e.failureCode() + " " + e.getMessage());
    }
  }

  private String createDelivery(long run, String path, UUID credential) {
    JsonObject message = Messages.create(ORG, run, "node-1", receiver.url(path));
    message.getJsonObject("webhook").put("credentialUuid", credential.toString());
    HttpResponse<Buffer> response = post("/v1/deliveries", message);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    answers.put("POST /v1/deliveries run " + run, response.bodyAsString());
    return response.bodyAsJsonObject().getString("deliveryUuid");
  }

  private void collectApiAnswers() {
    HttpResponse<Buffer> list = get("/v1/deliveries?limit=500");
    assertThat(list.statusCode()).isEqualTo(200);
    answers.put("GET /v1/deliveries", list.bodyAsString());
    for (Object item : list.bodyAsJsonObject().getJsonArray("items")) {
      String uuid = ((JsonObject) item).getString("deliveryUuid");
      HttpResponse<Buffer> one = get("/v1/deliveries/" + uuid);
      HttpResponse<Buffer> attempts = get("/v1/deliveries/" + uuid + "/attempts");
      assertThat(one.statusCode()).isEqualTo(200);
      assertThat(attempts.statusCode()).isEqualTo(200);
      answers.put("GET /v1/deliveries/" + uuid, one.bodyAsString());
      answers.put("GET /v1/deliveries/" + uuid + "/attempts", attempts.bodyAsString());
    }
    HttpResponse<Buffer> credentials = get("/v1/credentials?organizationId=" + ORG);
    assertThat(credentials.statusCode()).isEqualTo(200);
    answers.put("GET /v1/credentials", credentials.bodyAsString());
    JsonArray items = credentials.bodyAsJsonObject().getJsonArray("items");
    assertThat(items).hasSize(5);
    for (Object item : items) {
      String uuid = ((JsonObject) item).getString("credentialUuid");
      HttpResponse<Buffer> one = get("/v1/credentials/" + uuid + "?organizationId=" + ORG);
      assertThat(one.statusCode()).isEqualTo(200);
      answers.put("GET /v1/credentials/" + uuid, one.bodyAsString());
    }
    HttpResponse<Buffer> metrics = get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    answers.put("GET /metrics", metrics.bodyAsString());
    HttpResponse<Buffer> ready = client.get(hookline.httpPort(), "127.0.0.1", "/health/ready").send().await();
    answers.put("GET /health/ready", ready.bodyAsString());
    answers.put("GET /health/live", client.get(hookline.httpPort(), "127.0.0.1", "/health/live").send().await().bodyAsString());
  }

  private Map<String, String> databaseText() {
    Map<String, String> tables = infra.databaseText();
    assertThat(tables).containsKeys("table webhook_deliveries", "table webhook_delivery_attempts",
        "table webhook_credentials");
    return tables;
  }

  /** Every value Hookline keeps under its Redis prefix. */
  private Map<String, String> redisText(Vertx vertx) {
    Map<String, String> values = new LinkedHashMap<>();
    Redis redis = Redis.createClient(vertx, TestInfra.REDIS_URL);
    try {
      String cursor = "0";
      do {
        Response page = redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(infra.keyPrefix + ":*")
            .arg("COUNT").arg(1000)).await();
        cursor = page.get(0).toString();
        for (Response key : page.get(1)) {
          String name = key.toString();
          String type = redis.send(Request.cmd(Command.TYPE).arg(name)).await().toString();
          Request dump = switch (type) {
            case "zset" -> Request.cmd(Command.ZRANGE).arg(name).arg(0).arg(-1).arg("WITHSCORES");
            case "hash" -> Request.cmd(Command.HGETALL).arg(name);
            case "list" -> Request.cmd(Command.LRANGE).arg(name).arg(0).arg(-1);
            case "set" -> Request.cmd(Command.SMEMBERS).arg(name);
            default -> Request.cmd(Command.GET).arg(name);
          };
          Response value = redis.send(dump).await();
          values.put("redis " + name, name + " " + value);
        }
      } while (!"0".equals(cursor));
    } finally {
      redis.close();
    }
    return values;
  }

  private HttpRequest<Buffer> request(HttpMethod method, String path) {
    return client.request(method, hookline.httpPort(), "127.0.0.1", path).putHeader("Authorization", "Bearer " + apiToken);
  }

  private HttpResponse<Buffer> post(String path, JsonObject body) {
    HttpRequest<Buffer> request = request(HttpMethod.POST, path);
    return (body == null ? request.send() : request.sendJsonObject(body)).await();
  }

  private HttpResponse<Buffer> get(String path) {
    return request(HttpMethod.GET, path).send().await();
  }


  private static String randomBase64(int bytes) {
    byte[] key = new byte[bytes];
    new SecureRandom().nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }
}
