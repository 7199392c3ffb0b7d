package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hookline.Hookline;
import dev.hookline.credentials.CredentialVerticle;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Credentials through the HTTP API and the event bus against a running Hookline: masking, tenant
 * scoping, validation, what each type puts on the wire, and what lies at rest in Postgres.
 */
@ExtendWith(VertxExtension.class)
class CredentialApiTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String TOKEN = "test-token-0123456789abcdef";
  private static final String MASK = "********";
  private static final Duration WAIT = Duration.ofSeconds(15);

  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;
  private Hookline hookline;
  private ApiClient api;
  private long nextRun = 1;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(TOKEN));
    hookline = fixture.startWithConfig(vertx, config);
    api = new ApiClient(vertx, hookline, TOKEN);
  }

  @AfterEach
  void tearDown() {
    api.close();
    fixture.close();
  }

  // ---------------------------------------------------------------- helpers

  private static JsonObject credential(long org, String type, JsonObject data) {
    return new JsonObject().put("organizationId", org).put("type", type).put("data", data);
  }

  /** Creates over the API, asserting 201; returns the reply. */
  private JsonObject createCredential(long org, String type, JsonObject data) {
    HttpResponse<Buffer> response = api.post("/v1/credentials", credential(org, type, data));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject();
  }

  /** Creates a delivery over the API whose webhook references {@code credentialUuid}; returns its uuid. */
  private String createDelivery(long org, String path, String credentialUuid) {
    JsonObject message = Messages.create(org, nextRun++, "node-1", receiver.url(path));
    message.getJsonObject("webhook").put("credentialUuid", credentialUuid);
    HttpResponse<Buffer> response = api.post("/v1/deliveries", message);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject().getString("deliveryUuid");
  }

  private Receiver.Received awaitOneRequest(String path) {
    Await.until("a request to " + path, WAIT, () -> receiver.requestsTo(path).size() == 1,
        () -> "received: " + receiver.requests());
    return receiver.requestsTo(path).get(0);
  }

  private String deliveryStatus(String deliveryUuid) {
    return (String) infra.sql("SELECT status FROM webhook_deliveries WHERE delivery_uuid = ?::uuid", deliveryUuid)
        .get(0).get(0);
  }

  private static JsonObject busPut(Vertx vertx, JsonObject message) {
    return (JsonObject) vertx.eventBus().request(CredentialVerticle.PUT_ADDRESS, message).await().body();
  }

  private static ReplyException busPutFailing(Vertx vertx, JsonObject message) {
    try {
      Object body = vertx.eventBus().request(CredentialVerticle.PUT_ADDRESS, message).await().body();
      throw new AssertionError("expected a failure reply, got " + body);
    } catch (ReplyException e) {
      return e;
    }
  }

  private static boolean containsBytes(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- the HTTP API

  @Test
  void createRotateReadAndDeleteStayInsideTheOrganizationAndNeverShowTheSecret() {
    String secret = "bearer-secret-" + UUID.randomUUID();
    String rotatedSecret = "bearer-rotated-" + UUID.randomUUID();

    HttpResponse<Buffer> created = api.post("/v1/credentials",
        credential(7, "bearer_token", new JsonObject().put("token", secret)));

    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    assertThat(created.bodyAsString()).doesNotContain(secret);
    JsonObject body = created.bodyAsJsonObject();
    String uuid = body.getString("credentialUuid");
    assertThat(UUID.fromString(uuid).toString()).isEqualTo(uuid);
    assertThat(body.getString("type")).isEqualTo("bearer_token");
    assertThat(body.getString("keyId")).isEqualTo("test-1");
    assertThat(body.getLong("organizationId")).isEqualTo(7L);
    assertThat(body.getJsonObject("data").getMap()).containsOnly(java.util.Map.entry("token", MASK));

    HttpResponse<Buffer> rotated = api.put("/v1/credentials/" + uuid,
        credential(7, "bearer_token", new JsonObject().put("token", rotatedSecret)));

    assertThat(rotated.statusCode()).as(rotated.bodyAsString()).isEqualTo(200);
    assertThat(rotated.bodyAsString()).doesNotContain(rotatedSecret).doesNotContain(secret);
    assertThat(rotated.bodyAsJsonObject().getString("credentialUuid")).isEqualTo(uuid);
    assertThat(rotated.bodyAsJsonObject().getJsonObject("data").getString("token")).isEqualTo(MASK);

    HttpResponse<Buffer> list = api.get("/v1/credentials?organizationId=7");
    assertThat(list.statusCode()).as(list.bodyAsString()).isEqualTo(200);
    assertThat(list.bodyAsString()).doesNotContain(rotatedSecret).doesNotContain(secret);
    JsonArray items = list.bodyAsJsonObject().getJsonArray("items");
    assertThat(items).hasSize(1);
    assertThat(items.getJsonObject(0).getString("credentialUuid")).isEqualTo(uuid);
    assertThat(items.getJsonObject(0).getJsonObject("data").getString("token")).isEqualTo(MASK);
    assertThat(api.get("/v1/credentials?organizationId=8").bodyAsJsonObject().getJsonArray("items")).isEmpty();

    HttpResponse<Buffer> one = api.get("/v1/credentials/" + uuid + "?organizationId=7");
    assertThat(one.statusCode()).as(one.bodyAsString()).isEqualTo(200);
    assertThat(one.bodyAsString()).doesNotContain(rotatedSecret);
    assertThat(one.bodyAsJsonObject().getString("type")).isEqualTo("bearer_token");
    assertThat(one.bodyAsJsonObject().getJsonObject("data").getString("token")).isEqualTo(MASK);

    ApiClient.assertError(api.get("/v1/credentials/" + uuid + "?organizationId=8"), 404, "uuid");
    HttpResponse<Buffer> hijack = api.put("/v1/credentials/" + uuid,
        credential(8, "bearer_token", new JsonObject().put("token", "hijacked")));
    ApiClient.assertError(hijack, 409, "credentialUuid");
    assertThat(infra.sql("SELECT organization_id FROM webhook_credentials WHERE uuid = ?::uuid", uuid))
        .containsExactly(List.of(7L));

    ApiClient.assertError(api.delete("/v1/credentials/" + uuid + "?organizationId=8"), 404, "uuid");
    assertThat(api.get("/v1/credentials/" + uuid + "?organizationId=7").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> deleted = api.delete("/v1/credentials/" + uuid + "?organizationId=7");
    assertThat(deleted.statusCode()).as(deleted.bodyAsString()).isEqualTo(204);
    ApiClient.assertError(api.get("/v1/credentials/" + uuid + "?organizationId=7"), 404, "uuid");
    assertThat(infra.sql("SELECT count(*) FROM webhook_credentials").get(0).get(0)).isEqualTo(0L);
  }

  @Test
  void badInputIsRefusedNamingTheFieldWithoutRepeatingTheSecret() {
    HttpResponse<Buffer> unknownType = api.post("/v1/credentials",
        credential(7, "oauth_magic", new JsonObject().put("token", "t-unknown-type")));
    ApiClient.assertError(unknownType, 400, "type");

    ApiClient.assertError(api.post("/v1/credentials", credential(7, "bearer_token", new JsonObject())), 400, "data.token");

    HttpResponse<Buffer> hostHeader = api.post("/v1/credentials", credential(7, "api_key",
        new JsonObject().put("api_key", "k-host-header").put("header_name", "Host")));
    ApiClient.assertError(hostHeader, 400, "data.header_name");
    assertThat(hostHeader.bodyAsString()).doesNotContain("k-host-header");

    HttpResponse<Buffer> crValue = api.post("/v1/credentials", credential(7, "custom_header",
        new JsonObject().put("header_name", "X-Tenant-Auth").put("header_value", "v1\r\nX-Injected: yes")));
    ApiClient.assertError(crValue, 400, "data.header_value");
    assertThat(crValue.bodyAsString()).doesNotContain("X-Injected");

    HttpResponse<Buffer> notWhsec = api.post("/v1/credentials", credential(7, "standard_webhooks",
        new JsonObject().put("secrets", new JsonArray().add("plain-password!"))));
    ApiClient.assertError(notWhsec, 400, "data.secrets[0]");
    assertThat(notWhsec.bodyAsString()).doesNotContain("plain-password!");

    ApiClient.assertError(api.get("/v1/credentials"), 400, "organizationId");

    assertThat(infra.sql("SELECT count(*) FROM webhook_credentials").get(0).get(0)).isEqualTo(0L);
  }

  // ---------------------------------------------------------------- on the wire

  @Test
  void eachTypeStoredOverTheApiIsSentAsItsHeader() {
    String bearer = createCredential(7, "bearer_token", new JsonObject().put("token", "tok-bearer"))
        .getString("credentialUuid");
    String apiKeyDefault = createCredential(7, "api_key", new JsonObject().put("api_key", "key-default"))
        .getString("credentialUuid");
    String apiKeyNamed = createCredential(7, "api_key",
        new JsonObject().put("api_key", "key-named").put("header_name", "X-Partner-Key")).getString("credentialUuid");
    String basic = createCredential(7, "basic_auth",
        new JsonObject().put("username", "alice").put("password", "pa:ss wörd")).getString("credentialUuid");
    String custom = createCredential(7, "custom_header",
        new JsonObject().put("header_name", "X-Tenant-Auth").put("header_value", "hv-custom")).getString("credentialUuid");

    createDelivery(7, "/bearer", bearer);
    createDelivery(7, "/api-default", apiKeyDefault);
    createDelivery(7, "/api-named", apiKeyNamed);
    createDelivery(7, "/basic", basic);
    createDelivery(7, "/custom", custom);

    assertThat(awaitOneRequest("/bearer").header("Authorization")).isEqualTo("Bearer tok-bearer");
    Receiver.Received apiDefault = awaitOneRequest("/api-default");
    assertThat(apiDefault.header("X-API-Key")).isEqualTo("key-default");
    assertThat(apiDefault.header("Authorization")).isNull();
    Receiver.Received apiNamed = awaitOneRequest("/api-named");
    assertThat(apiNamed.header("X-Partner-Key")).isEqualTo("key-named");
    assertThat(apiNamed.header("X-API-Key")).isNull();
    assertThat(awaitOneRequest("/basic").header("Authorization")).isEqualTo("Basic "
        + Base64.getEncoder().encodeToString("alice:pa:ss wörd".getBytes(StandardCharsets.UTF_8)));
    Receiver.Received customHeader = awaitOneRequest("/custom");
    assertThat(customHeader.header("X-Tenant-Auth")).isEqualTo("hv-custom");
    assertThat(customHeader.header("Authorization")).isNull();
    // The credential is resolved at send time: nothing secret is copied onto the delivery rows.
    assertThat(infra.sql("SELECT count(*) FROM webhook_deliveries WHERE payload LIKE '%tok-bearer%'"
        + " OR custom_headers::text LIKE '%key-%' OR custom_headers::text LIKE '%hv-custom%'").get(0).get(0))
        .isEqualTo(0L);
  }

  // ---------------------------------------------------------------- at rest

  @Test
  void secretsAreSealedAtRestUnderTheActiveKey() {
    String secret = "at-rest-secret-" + UUID.randomUUID();
    String uuid = createCredential(7, "bearer_token", new JsonObject().put("token", secret)).getString("credentialUuid");

    List<Object> row = infra.sql("SELECT data, key_id, nonce, ciphertext FROM webhook_credentials WHERE uuid = ?::uuid",
        uuid).get(0);

    assertThat(row.get(0)).as("plaintext data column").isNull();
    assertThat(row.get(1)).isEqualTo("test-1");
    assertThat((byte[]) row.get(2)).hasSize(12);
    byte[] ciphertext = (byte[]) row.get(3);
    byte[] secretBytes = secret.getBytes(StandardCharsets.UTF_8);
    assertThat(ciphertext.length).isGreaterThanOrEqualTo(secretBytes.length + 16);
    assertThat(containsBytes(ciphertext, secretBytes)).as("ciphertext contains the secret").isFalse();
    assertThat(infra.sql("SELECT count(*) FROM webhook_credentials WHERE position(convert_to(?, 'UTF8') IN ciphertext) > 0"
        + " OR position(convert_to(?, 'UTF8') IN nonce) > 0", secret, secret).get(0).get(0)).isEqualTo(0L);
  }

  // ---------------------------------------------------------------- the event bus

  @Test
  void theEventBusCreatesRotatesAndDeletesWithTheRightReplies(Vertx vertx) {
    String secret = "bus-secret-" + UUID.randomUUID();
    JsonObject created = busPut(vertx, credential(7, "bearer_token", new JsonObject().put("token", secret)));

    assertThat(created.getString("status")).isEqualTo("created");
    String uuid = created.getString("credentialUuid");
    assertThat(uuid).isNotBlank();
    assertThat(created.getString("keyId")).isEqualTo("test-1");
    assertThat(created.getJsonObject("data").getString("token")).isEqualTo(MASK);
    assertThat(created.encode()).doesNotContain(secret);

    String rotatedSecret = "bus-rotated-" + UUID.randomUUID();
    JsonObject updated = busPut(vertx, credential(7, "bearer_token", new JsonObject().put("token", rotatedSecret))
        .put("credentialUuid", uuid));

    assertThat(updated.getString("status")).isEqualTo("updated");
    assertThat(updated.getString("credentialUuid")).isEqualTo(uuid);
    assertThat(updated.getJsonObject("data").getString("token")).isEqualTo(MASK);
    assertThat(updated.encode()).doesNotContain(rotatedSecret);
    assertThat(infra.sql("SELECT count(*) FROM webhook_credentials").get(0).get(0)).isEqualTo(1L);

    ReplyException badType = busPutFailing(vertx, credential(7, "kerberos", new JsonObject().put("token", "x")));
    assertThat(badType.failureCode()).isEqualTo(400);
    assertThat(badType.getMessage()).contains("type");

    ReplyException otherOrg = busPutFailing(vertx, credential(8, "bearer_token", new JsonObject().put("token", "stolen"))
        .put("credentialUuid", uuid));
    assertThat(otherOrg.failureCode()).isEqualTo(409);
    assertThat(infra.sql("SELECT organization_id FROM webhook_credentials WHERE uuid = ?::uuid", uuid))
        .containsExactly(List.of(7L));

    JsonObject deleteOther = (JsonObject) vertx.eventBus().request(CredentialVerticle.DELETE_ADDRESS,
        new JsonObject().put("organizationId", 8).put("credentialUuid", uuid)).await().body();
    assertThat(deleteOther.getBoolean("deleted")).isFalse();
    JsonObject deleted = (JsonObject) vertx.eventBus().request(CredentialVerticle.DELETE_ADDRESS,
        new JsonObject().put("organizationId", 7).put("credentialUuid", uuid)).await().body();
    assertThat(deleted.getBoolean("deleted")).isTrue();
    assertThat(infra.sql("SELECT count(*) FROM webhook_credentials").get(0).get(0)).isEqualTo(0L);
    assertThatThrownBy(() -> vertx.eventBus().request(CredentialVerticle.DELETE_ADDRESS,
        new JsonObject().put("organizationId", 7).put("credentialUuid", "nope")).await())
        .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(400));
  }

  // ---------------------------------------------------------------- tampering

  @Test
  void aCiphertextCopiedOntoAnotherRowNeverSendsTheOtherSecret() {
    String tokenA = "token-A-" + UUID.randomUUID();
    String tokenB = "token-B-" + UUID.randomUUID();
    String a = createCredential(7, "bearer_token", new JsonObject().put("token", tokenA)).getString("credentialUuid");
    String b = createCredential(7, "bearer_token", new JsonObject().put("token", tokenB)).getString("credentialUuid");
    infra.sql("UPDATE webhook_credentials AS b SET key_id = a.key_id, nonce = a.nonce, ciphertext = a.ciphertext"
        + " FROM webhook_credentials AS a WHERE a.uuid = ?::uuid AND b.uuid = ?::uuid", a, b);

    String underB = createDelivery(7, "/b", b);
    String underA = createDelivery(7, "/a", a);

    Await.until("the delivery under B to finish", WAIT, () -> !"pending".equals(deliveryStatus(underB)),
        () -> "row: " + infra.sql("SELECT status, attempt_count, last_error FROM webhook_deliveries"
            + " WHERE delivery_uuid = ?::uuid", underB));
    assertThat(awaitOneRequest("/a").header("Authorization")).as("the untouched row still works")
        .isEqualTo("Bearer " + tokenA);

    List<Receiver.Received> sentUnderB = receiver.requestsTo("/b");
    assertThat(sentUnderB).allSatisfy(r -> {
      assertThat(r.header("Authorization")).as("Authorization sent under B").isNull();
      assertThat(r.headers().entries().toString()).doesNotContain(tokenA).doesNotContain(tokenB);
    });
    List<Object> row = infra.sql("SELECT status, last_error FROM webhook_deliveries WHERE delivery_uuid = ?::uuid",
        underB).get(0);
    if (sentUnderB.isEmpty()) {
      assertThat(row.get(0)).isEqualTo("dead_letter");
      assertThat((String) row.get(1)).contains("credential_lookup_failed");
    }
    assertThat(deliveryStatus(underA)).isIn("pending", "succeeded");
  }
}
