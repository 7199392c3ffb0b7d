package dev.hookline.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.testing.IntakeTestBase;
import dev.hookline.testing.Messages;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile create messages on the event bus, against real Postgres and Redis with no delivery verticles: every
 * one is refused with 400 naming the field and leaves no row and no queue entry behind. The default address
 * policy is in force (nothing opened), so create-time destination checks are the production ones.
 */
class HostileInputTest extends IntakeTestBase {
  private static final String URL = "https://crm.example.com/hooks/calls";


  // ---- create-time destination checks -------------------------------------------------------------------

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {
      "http://127.0.0.1/",
      "http://[::1]/",
      "http://2130706433/",
      "http://0x7f000001/",
      "http://0177.0.0.1/",
      "http://127.1/",
      "http://127.0.0.1./",
      "http://169.254.169.254/latest/meta-data",
      "http://10.0.0.1/",
      "http://[fd00::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[64:ff9b::7f00:1]/",
      "http://[2002:7f00:1::]/",
      "http://user:pw@example.com/",
      "ftp://example.com/"})
  void aRefusedDestinationIsRefusedAtCreate(String url, Vertx vertx) {
    assertRefused(vertx, Messages.create(7, 9, "node-1", url), "webhook.endpointUrl");
  }

  @Test
  void aUrlOverTwoThousandAndFortyEightCharactersIsRefused(Vertx vertx) {
    String url = "http://example.com/" + "a".repeat(2_100);

    ReplyException failure = assertRefused(vertx, Messages.create(7, 9, "node-1", url), "webhook.endpointUrl");

    assertThat(failure.getMessage()).contains("2048");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"http://example.com/", "https://1password.com/x", "http://8.8.8.8/"})
  void aPublicDestinationIsCreated(String url, Vertx vertx) {
    JsonObject reply = Messages.send(vertx, Messages.create(7, 9, "node-1", url));

    assertThat(reply.getString("status")).isEqualTo("created");
    assertThat(infra.sql("SELECT endpoint_url FROM webhook_deliveries")).containsExactly(List.of(url));
    assertThat(queue.size().await()).isEqualTo(1);
  }

  // ---- custom headers, types, payload --------------------------------------------------------------------

  static Stream<Arguments> hostileMessages() {
    return Stream.of(
        invalid("33 headers", "webhook.customHeaders", m -> headers(m, manyHeaders(33))),
        invalid("name over 8 KiB", "webhook.customHeaders[0].key",
            m -> headers(m, new JsonArray().add(header("X-" + "a".repeat(8 * 1024), "v")))),
        invalid("value over 8 KiB", "webhook.customHeaders[0].value",
            m -> headers(m, new JsonArray().add(header("X-Big", "v".repeat(8 * 1024 + 1))))),
        invalid("CR in name", "webhook.customHeaders[0].key", m -> headers(m, one("X-A\rB", "v"))),
        invalid("LF in name", "webhook.customHeaders[0].key", m -> headers(m, one("X-A\nB", "v"))),
        invalid("NUL in name", "webhook.customHeaders[0].key", m -> headers(m, one("X-A\0B", "v"))),
        invalid("CR in value", "webhook.customHeaders[0].value", m -> headers(m, one("X-A", "a\rb"))),
        invalid("LF in value", "webhook.customHeaders[0].value", m -> headers(m, one("X-A", "a\nb"))),
        invalid("NUL in value", "webhook.customHeaders[0].value", m -> headers(m, one("X-A", "a\0b"))),
        invalid("CRLF smuggle in value", "webhook.customHeaders[0].value",
            m -> headers(m, one("X-A", "v\r\nHost: evil.example.com"))),
        reserved("Host"),
        reserved("Content-Length"),
        reserved("Transfer-Encoding"),
        reserved("Connection"),
        reserved("webhook-id"),
        reserved("webhook-timestamp"),
        reserved("webhook-signature"),
        reserved("X-Dograh-Delivery-Id"),
        reserved("x-dograh-delivery-attempt"),
        reserved("X-Dograh-Workflow-Run-Id"),
        invalid("non-Latin-1 in value", "webhook.customHeaders[0].value", m -> headers(m, one("X-A", "caf\u00e9 \u2713"))),
        invalid("NUL in webhookNodeId", "webhookNodeId", m -> m.put("webhookNodeId", "node\0one")),
        invalid("NUL in webhook.name", "webhook.name", m -> webhook(m).put("name", "Final\0Webhook")),
        invalid("NUL in endpointUrl", "webhook.endpointUrl",
            m -> webhook(m).put("endpointUrl", "https://crm.example.com/a\0b")),
        invalid("port 0", "webhook.endpointUrl", m -> webhook(m).put("endpointUrl", "https://crm.example.com:0/x")),
        invalid("port 65536", "webhook.endpointUrl",
            m -> webhook(m).put("endpointUrl", "https://crm.example.com:65536/x")),
        invalid("port 99999999", "webhook.endpointUrl",
            m -> webhook(m).put("endpointUrl", "https://crm.example.com:99999999/x")),
        invalid("empty port", "webhook.endpointUrl", m -> webhook(m).put("endpointUrl", "https://crm.example.com:/x")),
        invalid("empty port after an IPv6 literal", "webhook.endpointUrl",
            m -> webhook(m).put("endpointUrl", "https://[2606:4700::1111]:/x")),
        invalid("organizationId as string", "organizationId", m -> m.put("organizationId", "7")),
        invalid("customHeaders as string", "webhook.customHeaders", m -> webhook(m).put("customHeaders", "x")),
        invalid("payload over the cap", "webhook.payloadTemplate",
            m -> webhook(m).put("payloadTemplate", new JsonObject().put("blob", "x".repeat(2_000)))),
        invalid("unpaired surrogate in a template value", "webhook.payloadTemplate.event",
            m -> webhook(m).put("payloadTemplate", new JsonObject().put("event", "bad \uD800 text"))),
        invalid("unpaired low surrogate in a template array", "webhook.payloadTemplate.items[1]",
            m -> webhook(m).put("payloadTemplate", new JsonObject()
                .put("items", new JsonArray().add("fine").add("x\uDC00")))),
        invalid("unpaired surrogate in a template key", "webhook.payloadTemplate.k\uD800",
            m -> webhook(m).put("payloadTemplate", new JsonObject().put("k\uD800", "v"))));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("hostileMessages")
  void hostileInputIsRefusedWith400NamingTheFieldAndStoresNothing(String label, String field,
                                                                  Consumer<JsonObject> breakIt, Vertx vertx) {
    JsonObject message = Messages.create(7, 9, "node-1", URL);
    breakIt.accept(message);

    assertRefused(vertx, message, field);
  }

  @Test
  void thirtyTwoHeadersAreTheLimitNotARefusal(Vertx vertx) {
    JsonObject message = Messages.create(7, 9, "node-1", URL);
    headers(message, manyHeaders(32));

    assertThat(Messages.send(vertx, message).getString("status")).isEqualTo("created");
    assertThat(infra.count("jsonb_array_length(custom_headers) = 32")).isEqualTo(1);
  }

  @Test
  void unknownExtraFieldsAreIgnored(Vertx vertx) {
    JsonObject message = Messages.create(7, 9, "node-1", URL).put("surprise", true);
    message.getJsonObject("webhook").put("alsoUnknown", 1);

    JsonObject reply = Messages.send(vertx, message);

    assertThat(reply.getString("status")).isEqualTo("created");
    assertThat(infra.count("id = ?", reply.getLong("deliveryId"))).isEqualTo(1);
    assertThat(queue.size().await()).isEqualTo(1);
  }

  private ReplyException assertRefused(Vertx vertx, JsonObject message, String field) {
    ReplyException failure = Messages.sendExpectingFailure(vertx, message);

    assertThat(failure.failureCode()).as(failure.getMessage()).isEqualTo(400);
    assertThat(failure.getMessage()).startsWith(field + ":");
    assertThat(infra.count("true")).isZero();
    assertThat(queue.size().await()).isZero();
    return failure;
  }

  private static Arguments invalid(String label, String field, Consumer<JsonObject> breakIt) {
    return Arguments.of(label, field, breakIt);
  }

  private static Arguments reserved(String name) {
    return invalid("reserved " + name, "webhook.customHeaders[0].key", m -> headers(m, one(name, "v")));
  }

  private static JsonObject webhook(JsonObject message) {
    return message.getJsonObject("webhook");
  }

  private static void headers(JsonObject message, JsonArray headers) {
    webhook(message).put("customHeaders", headers);
  }

  private static JsonArray one(String key, String value) {
    return new JsonArray().add(header(key, value));
  }

  private static JsonArray manyHeaders(int count) {
    JsonArray headers = new JsonArray();
    for (int i = 0; i < count; i++) {
      headers.add(header("X-H" + i, "v" + i));
    }
    return headers;
  }

  private static JsonObject header(String key, String value) {
    return new JsonObject().put("key", key).put("value", value);
  }
}
