package dev.hookline.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.credentials.CredentialVerticle;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.SpecVerifier;
import dev.hookline.testing.TestInfra;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Standard Webhooks signing end to end: credentials stored over the event bus, deliveries sent by a
 * running Hookline, every received request checked by a verifier written here from the
 * specification alone (it shares no code with {@link StandardWebhooks}).
 */
@ExtendWith(VertxExtension.class)
class SigningDeliveryTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final SecureRandom RANDOM = new SecureRandom();

  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;
  /** Unix seconds at which the receiver saw each request, keyed by path and attempt. */
  private final Map<String, Long> receivedAt = new ConcurrentHashMap<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
    fixture.start(vertx, new JsonObject());
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  // ---------------------------------------------------------------- the independent verifier

  private static String freshSecret() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  private static long nowSeconds() {
    return Instant.now().getEpochSecond();
  }

  // ---------------------------------------------------------------- helpers

  private static JsonObject signingCredential(long org, String... secrets) {
    return new JsonObject().put("organizationId", org).put("type", "standard_webhooks")
        .put("data", new JsonObject().put("secrets", new JsonArray(List.of((Object[]) secrets))));
  }

  private static JsonObject busPut(Vertx vertx, JsonObject message) {
    return (JsonObject) vertx.eventBus().request(CredentialVerticle.PUT_ADDRESS, message).await().body();
  }

  private long deliver(Vertx vertx, long run, String path, String method, String credentialUuid) {
    JsonObject message = Messages.create(7, run, "node-1", receiver.url(path));
    message.getJsonObject("webhook").put("credentialUuid", credentialUuid).put("httpMethod", method);
    JsonObject reply = Messages.send(vertx, message);
    assertThat(reply.getString("status")).isEqualTo("created");
    return reply.getLong("deliveryId");
  }

  private List<Object> row(long id) {
    return infra.sql("SELECT status, attempt_count, last_error, delivery_uuid::text FROM webhook_deliveries WHERE id = ?",
        id).get(0);
  }

  private void awaitSucceeded(long id) {
    Await.until("delivery " + id + " to succeed", WAIT, () -> "succeeded".equals(row(id).get(0)),
        () -> "row: " + row(id));
  }

  /** Records the receive time of each request, then answers as {@code answer} says. */
  private void behave(java.util.function.Function<Receiver.Received, Reply> answer) {
    receiver.behave(r -> {
      receivedAt.put(r.path() + "#" + r.header("X-Dograh-Delivery-Attempt"), nowSeconds());
      return answer.apply(r);
    });
  }

  private void assertTimestampCloseToReceipt(Receiver.Received request) {
    long received = receivedAt.get(request.path() + "#" + request.header("X-Dograh-Delivery-Attempt"));
    assertThat(request.header("webhook-timestamp")).matches("\\d{10}");
    assertThat(Long.parseLong(request.header("webhook-timestamp"))).isBetween(received - 5, received + 1);
  }

  // ---------------------------------------------------------------- tests

  @Test
  void aRetriedDeliveryIsSignedUnderEverySecretWithOneStableId(Vertx vertx) {
    String secret1 = freshSecret();
    String secret2 = freshSecret();
    String stranger = freshSecret();
    JsonObject stored = busPut(vertx, signingCredential(7, secret1, secret2));
    assertThat(stored.getString("status")).isEqualTo("created");
    assertThat(stored.encode()).doesNotContain(secret1.substring(6)).doesNotContain(secret2.substring(6));
    behave(r -> "1".equals(r.header("X-Dograh-Delivery-Attempt")) ? Reply.status(503) : Reply.status(200));

    long id = deliver(vertx, 9, "/signed", "POST", stored.getString("credentialUuid"));
    awaitSucceeded(id);

    List<Receiver.Received> requests = receiver.requestsTo("/signed");
    assertThat(requests).extracting(r -> r.header("X-Dograh-Delivery-Attempt")).containsExactly("1", "2");
    String deliveryUuid = (String) row(id).get(3);
    for (Receiver.Received request : requests) {
      long now = nowSeconds();
      assertThat(request.header("webhook-id")).isEqualTo(request.header("X-Dograh-Delivery-Id")).isEqualTo(deliveryUuid);
      assertThat(request.header("webhook-signature").split(" ")).hasSize(2).allMatch(s -> s.startsWith("v1,"));
      assertTimestampCloseToReceipt(request);
      assertThat(request.body()).isNotEmpty();
      assertThat(SpecVerifier.verifies(secret1, request.headers(), request.body(), now)).as("secret 1 verifies").isTrue();
      assertThat(SpecVerifier.verifies(secret2, request.headers(), request.body(), now)).as("secret 2 verifies").isTrue();
      assertThat(SpecVerifier.verifies(stranger, request.headers(), request.body(), now)).as("a third secret verifies").isFalse();
      // The verifier is not trivially true: an altered body or a stale clock fail.
      assertThat(SpecVerifier.verifies(secret1, request.headers(), request.body() + " ", now)).isFalse();
      assertThat(SpecVerifier.verifies(secret1, request.headers(), request.body(), now + SpecVerifier.TOLERANCE_SECONDS + 60)).isFalse();
    }
    assertThat(requests.get(1).header("webhook-id")).isEqualTo(requests.get(0).header("webhook-id"));
    assertThat(Long.parseLong(requests.get(1).header("webhook-timestamp")))
        .isGreaterThanOrEqualTo(Long.parseLong(requests.get(0).header("webhook-timestamp")));
    assertThat(requests.get(1).body()).isEqualTo(requests.get(0).body());
  }

  @Test
  void aGetDeliveryIsSignedOverAnEmptyBody(Vertx vertx) {
    String secret = freshSecret();
    JsonObject stored = busPut(vertx, signingCredential(7, secret));
    behave(r -> Reply.status(200));

    long id = deliver(vertx, 10, "/get", "GET", stored.getString("credentialUuid"));
    awaitSucceeded(id);

    List<Receiver.Received> requests = receiver.requestsTo("/get");
    assertThat(requests).hasSize(1);
    Receiver.Received request = requests.get(0);
    assertThat(request.method()).isEqualTo("GET");
    assertThat(request.hasBody()).isFalse();
    assertThat(request.header("webhook-id")).isEqualTo(request.header("X-Dograh-Delivery-Id"));
    assertTimestampCloseToReceipt(request);
    assertThat(SpecVerifier.verifies(secret, request.headers(), "", nowSeconds())).isTrue();
    assertThat(SpecVerifier.verifies(freshSecret(), request.headers(), "", nowSeconds())).isFalse();
  }

  @Test
  void rotatingToOneNewSecretSignsTheNextDeliveryWithItAlone(Vertx vertx) {
    String secret1 = freshSecret();
    String secret2 = freshSecret();
    String replacement = freshSecret();
    JsonObject stored = busPut(vertx, signingCredential(7, secret1, secret2));
    String uuid = stored.getString("credentialUuid");
    behave(r -> Reply.status(200));

    long before = deliver(vertx, 11, "/before", "POST", uuid);
    awaitSucceeded(before);
    Receiver.Received first = receiver.requestsTo("/before").get(0);
    assertThat(SpecVerifier.verifies(secret1, first.headers(), first.body(), nowSeconds())).isTrue();
    assertThat(SpecVerifier.verifies(replacement, first.headers(), first.body(), nowSeconds())).isFalse();

    JsonObject rotated = busPut(vertx, signingCredential(7, replacement).put("credentialUuid", uuid));
    assertThat(rotated.getString("status")).isEqualTo("updated");
    assertThat(rotated.getString("credentialUuid")).isEqualTo(uuid);

    long after = deliver(vertx, 12, "/after", "POST", uuid);
    awaitSucceeded(after);
    Receiver.Received next = receiver.requestsTo("/after").get(0);
    long now = nowSeconds();
    assertThat(next.header("webhook-signature").split(" ")).hasSize(1);
    assertThat(SpecVerifier.verifies(replacement, next.headers(), next.body(), now)).as("the new secret verifies").isTrue();
    assertThat(SpecVerifier.verifies(secret1, next.headers(), next.body(), now)).as("retired secret 1 verifies").isFalse();
    assertThat(SpecVerifier.verifies(secret2, next.headers(), next.body(), now)).as("retired secret 2 verifies").isFalse();
  }
}
