package dev.hookline.intake;

import static dev.hookline.testing.CreateEdits.headers;
import static dev.hookline.testing.CreateEdits.invalid;
import static dev.hookline.testing.CreateEdits.manyHeaders;
import static dev.hookline.testing.CreateEdits.one;
import static dev.hookline.testing.CreateEdits.reserved;
import static dev.hookline.testing.CreateEdits.webhook;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.testing.IntakeTestBase;
import dev.hookline.testing.Messages;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
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
  @ValueSource(strings = {"http://169.254.169.254/latest/meta-data", "http://[::ffff:127.0.0.1]/"})
  void aRefusedDestinationIsRefusedAtCreate(String url, Vertx vertx) {
    assertRefused(vertx, Messages.create(7, 9, "node-1", url), "webhook.endpointUrl");
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

  /**
   * The wiring on the event bus: a refusal is a 400 naming the field and leaves no row and no queue
   * entry, whether the parser refused (every such case is in CreateRequestParserTest) or the payload
   * freezer did.
   */
  static Stream<Arguments> hostileMessages() {
    return Stream.of(
        invalid("CRLF smuggle in value", "webhook.customHeaders[0].value",
            m -> headers(m, one("X-A", "v\r\nHost: evil.example.com"))),
        reserved("X-Dograh-Delivery-Id"),
        invalid("payload over the cap", "webhook.payloadTemplate",
            m -> webhook(m).put("payloadTemplate", new JsonObject().put("blob", "x".repeat(2_000)))));
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
}
