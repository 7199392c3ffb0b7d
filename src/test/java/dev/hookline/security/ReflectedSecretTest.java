package dev.hookline.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.ApiClient;
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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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

/**
 * A receiver that reflects everything it got (every request header, the decoded basic-auth pair,
 * a JSON copy, and the credential's header value in its Content-Type and Retry-After) must not get
 * a credential into any table, any API answer or any log line: Hookline scrubs the answer of the
 * attempt's secrets before it stores or logs it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReflectedSecretTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final long ORG = 11;
  private static final int MAX_ATTEMPTS = 2;
  /** What Hookline keeps of an answer's body (Hookline.RESPONSE_EXCERPT_BYTES). */
  private static final int EXCERPT_BYTES = 4_096;
  private static final String MARK = "[redacted]";
  private static final String DELIVERY_ID_HEADER = "X-Dograh-Delivery-Id";

  private final String canary = "canary-" + UUID.randomUUID().toString().replace("-", "");
  private final String apiToken = canary + "-apitoken";
  // A slash, a quote and a backslash, so the JSON-escaped copies differ from the raw value.
  private final String bearer = canary + "-bearer/t\"o\\k";
  private final String user = "hook-user";
  private final String password = canary + "-pw/x";
  private final String apiKey = canary + "-apikey";
  private final String headerValue = canary + "-hdr";
  private final String whsecBase64 = randomBase64(32);
  private final String whsec = "whsec_" + whsecBase64;
  private final String basicBase64 = Base64.getEncoder()
      .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));

  private LogCapture logs;
  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;
  private Hookline hookline;
  private ApiClient api;

  /** Delivery uuid -> path (which credential, which echo). */
  private final Map<String, String> deliveries = new LinkedHashMap<>();
  /** Every text Hookline handed back to a caller, tagged with where it came from. */
  private final Map<String, String> answers = new LinkedHashMap<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    logs = LogCapture.root();
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
    JsonObject config = infra.config();
    // A generous timeout: on a loaded machine a slow first answer must not turn into a bodyless timeout.
    config.getJsonObject("delivery").put("maxAttempts", MAX_ATTEMPTS).put("timeoutSeconds", 5).put("leaseSeconds", 10);
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(apiToken));
    hookline = fixture.startWithConfig(vertx, config);
    api = new ApiClient(vertx, hookline, apiToken);
  }

  @AfterEach
  void tearDown() {
    try {
      if (api != null) {
        api.close();
      }
      if (fixture != null) {
        fixture.close();
      }
    } finally {
      if (logs != null) {
        logs.close();
      }
    }
  }

  @Test
  void aReceiverThatEchoesEverythingLeavesNoSecretInTablesApiAnswersOrLogs() {
    receiver.behave(this::echo);

    UUID bearerCred = createCredential("bearer_token", new JsonObject().put("token", bearer));
    UUID basicCred = createCredential("basic_auth", new JsonObject().put("username", user).put("password", password));
    UUID apiKeyCred = createCredential("api_key",
        new JsonObject().put("api_key", apiKey).put("header_name", "X-Partner-Key"));
    UUID headerCred = createCredential("custom_header",
        new JsonObject().put("header_name", "X-Partner-Signature").put("header_value", headerValue));
    UUID signingCred = createCredential("standard_webhooks",
        new JsonObject().put("secrets", new JsonArray().add(whsec)));

    long run = 500;
    createDelivery(run++, "/bearer", bearerCred);
    createDelivery(run++, "/basic", basicCred);
    createDelivery(run++, "/apikey", apiKeyCred);
    createDelivery(run++, "/custom", headerCred);
    createDelivery(run++, "/signed", signingCred);
    // The excerpt ends inside the echoed secret: 20 characters of "Bearer <token>", 10 of the token.
    String cutHeader = createDelivery(run++, "/cut-header", bearerCred);
    String cutToken = createDelivery(run++, "/cut-token", bearerCred);

    int total = deliveries.size();
    Await.until("every delivery to be final", WAIT, () -> infra.count("status <> 'pending'") == total,
        () -> infra.sql("SELECT id, status, attempt_count, last_error FROM webhook_deliveries"
            + " WHERE status = 'pending'").toString());
    assertThat(infra.sql("SELECT status, attempt_count, last_status_code FROM webhook_deliveries"))
        .hasSize(total)
        .allSatisfy(row -> assertThat(row).containsExactly("dead_letter", MAX_ATTEMPTS, 503));

    // Sanity: the secrets really went out on the wire, so the receiver really reflected them.
    List<Receiver.Received> sent = receiver.requests();
    assertThat(sent).hasSize(total * MAX_ATTEMPTS);
    assertThat(sent).extracting(r -> r.header("Authorization")).contains("Bearer " + bearer, "Basic " + basicBase64);
    assertThat(sent).extracting(r -> r.header("X-Partner-Key")).contains(apiKey);
    assertThat(sent).extracting(r -> r.header("X-Partner-Signature")).contains(headerValue);
    assertThat(sent).filteredOn(r -> r.header("webhook-signature") != null).hasSize(MAX_ATTEMPTS);

    collectApiAnswers();

    Map<String, String> places = new LinkedHashMap<>();
    places.put("logs", logs.text());
    places.putAll(databaseText());
    answers.forEach((where, text) -> places.put("answer " + where, text));

    assertThat(LeakScan.find(places, canaries())).as("secrets reflected into storage, answers or logs").isEmpty();

    // The scan looked at real content: the reflected answers were stored, scrubbed, with the rest intact.
    List<List<Object>> attempts = infra.sql("SELECT d.delivery_uuid::text, a.attempt, a.status_code, a.response_body,"
        + " a.response_content_type, a.response_retry_after FROM webhook_delivery_attempts a"
        + " JOIN webhook_deliveries d ON d.id = a.delivery_id ORDER BY a.id");
    assertThat(attempts).hasSize(total * MAX_ATTEMPTS);
    for (List<Object> attempt : attempts) {
      String uuid = (String) attempt.get(0);
      String path = deliveries.get(uuid);
      String body = (String) attempt.get(3);
      String contentType = (String) attempt.get(4);
      String retryAfter = (String) attempt.get(5);
      assertThat(attempt.get(2)).as(path).isEqualTo(503);
      if (path.startsWith("/cut-")) {
        continue;
      }
      assertThat(body).as(path)
          .contains(DELIVERY_ID_HEADER + ": " + uuid, "X-Dograh-Delivery-Attempt: " + attempt.get(1),
              "X-Source: workflow", "\"" + DELIVERY_ID_HEADER + "\":\"" + uuid + "\"", "path: " + path);
      if (path.equals("/signed")) {
        // Signatures are not secrets: they are kept as they came back.
        assertThat(body).contains("webhook-signature: v1,");
        assertThat(contentType).startsWith("text/plain; echo=v1,");
      } else {
        assertThat(body).as(path).startsWith("credential: " + MARK + "\n").contains(MARK);
        assertThat(contentType).as(path).isEqualTo("text/plain; echo=" + MARK);
        assertThat(retryAfter).as(path).isEqualTo(MARK);
      }
    }
    assertThat(bodiesOf(attempts, "/basic")).allSatisfy(body -> assertThat(body)
        .contains("Authorization: " + MARK, "decoded: " + MARK));
    assertThat(bodiesOf(attempts, "/bearer")).allSatisfy(body -> assertThat(body).contains("Authorization: " + MARK,
        "json: {", "\"Authorization\":\"" + MARK + "\"", "php-json: {", "\"Authorization\":\"" + MARK + "\""));
    assertThat(bodiesOf(attempts, "/apikey")).allSatisfy(body -> assertThat(body).contains("X-Partner-Key: " + MARK));
    assertThat(bodiesOf(attempts, "/custom")).allSatisfy(body ->
        assertThat(body).contains("X-Partner-Signature: " + MARK));
    // A secret cut off by the excerpt's end is removed as far as it goes.
    assertThat(bodiesOf(attempts, "/cut-header")).allSatisfy(body ->
        assertThat(body).isEqualTo("x".repeat(EXCERPT_BYTES - 20) + MARK));
    assertThat(bodiesOf(attempts, "/cut-token")).allSatisfy(body ->
        assertThat(body).isEqualTo("x".repeat(EXCERPT_BYTES - 10) + MARK));

    assertThat(places.get("table webhook_delivery_attempts")).contains(MARK, DELIVERY_ID_HEADER, "X-Source");
    assertThat(places.get("table webhook_deliveries")).contains("call_done", "HTTP 503 (attempts exhausted)");
    assertThat(places.get("answer GET /v1/deliveries/" + cutHeader + "/attempts")).contains(MARK);
    assertThat(places.get("answer GET /v1/deliveries/" + cutToken)).contains("dead_letter");
    assertThat(answers).allSatisfy((where, text) -> {
      if (where.endsWith("/attempts") && !deliveries.get(uuidIn(where)).equals("/signed")) {
        assertThat(text).as(where).contains(MARK);
      }
    });
    assertThat(places.get("answer GET /v1/credentials")).contains("********", "X-Partner-Key", "X-Partner-Signature");
    assertThat(places.get("logs")).contains("Hookline started", "outcome=retry", "outcome=dead_letter",
        "status=503", "credential: " + MARK);
  }

  /**
   * Answers 503 (so the body is kept with every attempt) reflecting the whole request: each header
   * as "name: value", the decoded basic-auth pair, a JSON copy (as most frameworks write it, and
   * with "/" escaped, as PHP does), and the credential's header value in two response headers.
   */
  private Reply echo(Receiver.Received request) {
    String credential = credentialValue(request);
    if (request.path().startsWith("/cut-")) {
      // Cut 20 characters into "Bearer <token>", or 10 characters into the token itself.
      String reflected = request.path().equals("/cut-header") ? credential : credential.substring("Bearer ".length());
      int kept = request.path().equals("/cut-header") ? 20 : 10;
      String body = "x".repeat(EXCERPT_BYTES - kept) + reflected + "\n" + "y".repeat(100);
      return new Reply(503, 0, false, Map.of("Content-Type", "text/plain"), body);
    }
    StringBuilder body = new StringBuilder();
    body.append("credential: ").append(credential).append('\n');
    body.append("path: ").append(request.path()).append('\n');
    JsonObject json = new JsonObject();
    request.headers().forEach(header -> {
      body.append(header.getKey()).append(": ").append(header.getValue()).append('\n');
      json.put(header.getKey(), header.getValue());
    });
    String authorization = request.header("Authorization");
    if (authorization != null && authorization.startsWith("Basic ")) {
      body.append("decoded: ").append(new String(Base64.getDecoder().decode(authorization.substring(6)),
          StandardCharsets.UTF_8)).append('\n');
    }
    body.append("json: ").append(json.encode()).append('\n');
    body.append("php-json: ").append(json.encode().replace("/", "\\/")).append('\n');
    body.append("body: ").append(request.body()).append('\n');
    return new Reply(503, 0, false, Map.of("Content-Type", "text/plain; echo=" + credential, "Retry-After", credential),
        body.toString());
  }

  /** The value of the header the path's credential contributes (a signature for Standard Webhooks). */
  private static String credentialValue(Receiver.Received request) {
    String name = switch (request.path()) {
      case "/apikey" -> "X-Partner-Key";
      case "/custom" -> "X-Partner-Signature";
      case "/signed" -> "webhook-signature";
      default -> "Authorization";
    };
    String value = request.header(name);
    return value == null ? "missing " + name : value;
  }

  /** Each secret by name, with the forms a receiver may reflect it in; the bare prefix covers every canary at once. */
  private Map<String, String> canaries() {
    Map<String, String> raw = new LinkedHashMap<>();
    raw.put("canary prefix", canary);
    raw.put("API token", apiToken);
    raw.put("bearer token", bearer);
    raw.put("Authorization: Bearer", "Bearer " + bearer);
    raw.put("basic password", password);
    raw.put("basic user:password", user + ":" + password);
    raw.put("basic username", user);
    raw.put("basic header base64", basicBase64);
    raw.put("api key", apiKey);
    raw.put("custom header value", headerValue);
    raw.put("standard webhooks secret", whsecBase64);
    Map<String, String> canaries = new LinkedHashMap<>();
    raw.forEach((name, value) -> {
      Set<String> forms = new LinkedHashSet<>();
      forms.add(value);
      String json = value.replace("\\", "\\\\").replace("\"", "\\\"");
      forms.add(json);
      forms.add(json.replace("/", "\\/"));
      int i = 0;
      for (String form : forms) {
        canaries.put(i++ == 0 ? name : name + " (escaped form " + i + ")", form);
      }
    });
    return canaries;
  }

  private UUID createCredential(String type, JsonObject data) {
    HttpResponse<Buffer> response = api.post("/v1/credentials",
        new JsonObject().put("organizationId", ORG).put("type", type).put("data", data));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    answers.put("POST /v1/credentials " + type, response.bodyAsString());
    return UUID.fromString(response.bodyAsJsonObject().getString("credentialUuid"));
  }

  private String createDelivery(long run, String path, UUID credential) {
    JsonObject message = Messages.create(ORG, run, "node-1", receiver.url(path));
    message.getJsonObject("webhook").put("credentialUuid", credential.toString());
    HttpResponse<Buffer> response = api.post("/v1/deliveries", message);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    answers.put("POST /v1/deliveries " + path, response.bodyAsString());
    String uuid = response.bodyAsJsonObject().getString("deliveryUuid");
    deliveries.put(uuid, path);
    return uuid;
  }

  private void collectApiAnswers() {
    for (String uuid : deliveries.keySet()) {
      HttpResponse<Buffer> one = api.get("/v1/deliveries/" + uuid);
      HttpResponse<Buffer> attempts = api.get("/v1/deliveries/" + uuid + "/attempts");
      assertThat(one.statusCode()).as(one.bodyAsString()).isEqualTo(200);
      assertThat(attempts.statusCode()).as(attempts.bodyAsString()).isEqualTo(200);
      answers.put("GET /v1/deliveries/" + uuid, one.bodyAsString());
      answers.put("GET /v1/deliveries/" + uuid + "/attempts", attempts.bodyAsString());
    }
    HttpResponse<Buffer> list = api.get("/v1/deliveries?limit=100");
    assertThat(list.statusCode()).as(list.bodyAsString()).isEqualTo(200);
    answers.put("GET /v1/deliveries", list.bodyAsString());
    HttpResponse<Buffer> credentials = api.get("/v1/credentials?organizationId=" + ORG);
    assertThat(credentials.statusCode()).as(credentials.bodyAsString()).isEqualTo(200);
    answers.put("GET /v1/credentials", credentials.bodyAsString());
    JsonArray items = credentials.bodyAsJsonObject().getJsonArray("items");
    assertThat(items).hasSize(5);
    for (Object item : items) {
      String uuid = ((JsonObject) item).getString("credentialUuid");
      HttpResponse<Buffer> one = api.get("/v1/credentials/" + uuid + "?organizationId=" + ORG);
      assertThat(one.statusCode()).as(one.bodyAsString()).isEqualTo(200);
      answers.put("GET /v1/credentials/" + uuid, one.bodyAsString());
    }
  }

  private List<String> bodiesOf(List<List<Object>> attempts, String path) {
    List<String> bodies = attempts.stream().filter(row -> path.equals(deliveries.get((String) row.get(0))))
        .map(row -> (String) row.get(3)).toList();
    assertThat(bodies).as(path).hasSize(MAX_ATTEMPTS);
    return bodies;
  }

  private static String uuidIn(String where) {
    return where.substring("GET /v1/deliveries/".length(), where.length() - "/attempts".length());
  }

  private Map<String, String> databaseText() {
    Map<String, String> tables = infra.databaseText();
    assertThat(tables).containsKeys("table webhook_deliveries", "table webhook_delivery_attempts",
        "table webhook_credentials");
    return tables;
  }


  private static String randomBase64(int bytes) {
    byte[] key = new byte[bytes];
    new SecureRandom().nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }
}
