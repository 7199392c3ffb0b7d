package dev.hookline.intake;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.hookline.testing.IntakeTestBase;
import dev.hookline.testing.LogCapture;
import dev.hookline.testing.Messages;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.sql.Timestamp;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Intake against real Postgres and Redis, with no delivery verticles running, so what the create
 * left behind (row and queue entry) can be inspected before anything consumes it.
 */
class CreateDeliveryTest extends IntakeTestBase {
  private static final String URL = "https://crm.example.com/hooks/calls";


  @Test
  void createdRowIsPersistedAndItsIdQueuedWithTheRowsDueScore(Vertx vertx) {
    JsonObject reply = Messages.send(vertx, Messages.create(7, 9, "node-1", URL));

    assertThat(reply.getString("status")).isEqualTo("created");
    long id = reply.getLong("deliveryId");
    List<Object> row = infra.sql("SELECT delivery_uuid::text, organization_id, workflow_run_id, webhook_node_id,"
        + " webhook_name, endpoint_url, http_method, payload, status, attempt_count, max_attempts, scheduled_for,"
        + " custom_headers::text FROM webhook_deliveries WHERE id = ?", id).get(0);
    assertThat(row.subList(0, 11)).containsExactly(reply.getString("deliveryUuid"), 7L, 9L, "node-1", "Final Webhook",
        URL, "POST", "{\"event\":\"call_done\",\"run\":\"9\",\"call_disposition\":\"user_hangup\"}", "pending", 0, 5);
    assertThat(new JsonArray((String) row.get(12)))
        .isEqualTo(new JsonArray().add(new JsonObject().put("key", "X-Source").put("value", "workflow")));
    long dueMillis = ((Timestamp) row.get(11)).getTime();
    assertThat(queue.scoreOf(id).await()).isEqualTo(dueMillis);
    assertThat(queue.size().await()).isEqualTo(1);
  }

  @Test
  void duplicateRunAndNodeRepliesExistingAndQueuesNothing(Vertx vertx) {
    JsonObject first = Messages.send(vertx, Messages.create(7, 9, "node-1", URL));
    redis.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.DEL)
        .arg(queue.key(queue.shardOf(first.getLong("deliveryId"))))).await();

    JsonObject second = Messages.send(vertx, Messages.create(7, 9, "node-1", "https://other.example.com/"));

    assertThat(second.getString("status")).isEqualTo("existing");
    assertThat(second.getLong("deliveryId")).isEqualTo(first.getLong("deliveryId"));
    assertThat(second.getString("deliveryUuid")).isEqualTo(first.getString("deliveryUuid"));
    assertThat(infra.count("true")).isEqualTo(1);
    assertThat(queue.size().await()).isZero();
    // A second node of the same run is a different delivery.
    assertThat(Messages.send(vertx, Messages.create(7, 9, "node-2", URL)).getString("status")).isEqualTo("created");
  }

  @Test
  void secretHeadersAreDroppedAndReportedWhileOthersAreKept(Vertx vertx) {
    JsonObject message = Messages.create(7, 9, "node-1", URL);
    message.getJsonObject("webhook").put("customHeaders", new JsonArray()
        .add(header("Authorization", "Bearer leaked"))
        .add(header("X-Idempotency-Key", "abc"))
        .add(header("X-Custom-Auth-Token", "leaked-too"))
        .add(header("X-Source", "workflow")));

    JsonObject reply = Messages.send(vertx, message);

    assertThat(reply.getJsonArray("droppedHeaders")).containsExactly("Authorization", "X-Custom-Auth-Token");
    String stored = (String) infra.sql("SELECT custom_headers::text FROM webhook_deliveries").get(0).get(0);
    assertThat(new JsonArray(stored)).isEqualTo(new JsonArray()
        .add(header("X-Idempotency-Key", "abc")).add(header("X-Source", "workflow")));
    assertThat(stored).doesNotContain("leaked");
  }

  @Test
  void eachCreateIsLoggedOnceAndEachDroppedHeaderWarnedByNameOnly(Vertx vertx) {
    JsonObject message = Messages.create(7, 9, "node-1", URL);
    message.getJsonObject("webhook").put("customHeaders", new JsonArray()
        .add(header("X-Api-Key", "canary-value-1")).add(header("X-Source", "workflow")));
    List<ILoggingEvent> events;
    JsonObject first;
    try (LogCapture log = LogCapture.ofDebug(DeliveryIntake.class)) {
      first = Messages.send(vertx, message);
      Messages.send(vertx, message);
      events = log.events();
    }

    String id = "delivery=" + first.getLong("deliveryId") + " uuid=" + first.getString("deliveryUuid");
    assertThat(events).filteredOn(e -> e.getLevel() == Level.DEBUG).extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly(id + " created organization=7 run=9", id + " existing organization=7 run=9");
    assertThat(events).filteredOn(e -> e.getLevel() == Level.WARN).extracting(ILoggingEvent::getFormattedMessage)
        .hasSize(2).allSatisfy(line -> assertThat(line).contains("custom header X-Api-Key dropped")
            .doesNotContain("canary-value-1"));
  }

  @Test
  void disabledWebhookIsSkippedAndStoresNothing(Vertx vertx) {
    JsonObject message = Messages.create(7, 9, "node-1", URL);
    message.getJsonObject("webhook").put("enabled", false);

    JsonObject reply = Messages.send(vertx, message);

    assertThat(reply.getString("status")).isEqualTo("skipped");
    assertThat(reply.getString("reason")).isEqualTo("disabled");
    assertThat(reply.containsKey("deliveryId")).isFalse();
    assertThat(infra.count("true")).isZero();
    assertThat(queue.size().await()).isZero();
  }

  @Test
  void runOfAnotherOrganizationIsRefusedWith409AndNoRow(Vertx vertx) {
    Messages.send(vertx, Messages.create(7, 9, "node-1", URL));

    ReplyException failure = Messages.sendExpectingFailure(vertx, Messages.create(8, 9, "node-2", URL));

    assertThat(failure.failureCode()).isEqualTo(409);
    assertThat(failure.getMessage()).isEqualTo("workflow run 9 belongs to organization 7, not 8");
    assertThat(infra.count("true")).isEqualTo(1);
    assertThat(infra.count("organization_id = 8")).isZero();
    assertThat(queue.size().await()).isEqualTo(1);
  }

  @Test
  void payloadOverTheCapIsRefusedWithNoRow(Vertx vertx) {
    JsonObject message = Messages.create(7, 9, "node-1", URL);
    message.getJsonObject("webhook").put("payloadTemplate", new JsonObject().put("blob", "x".repeat(2_000)));

    ReplyException failure = Messages.sendExpectingFailure(vertx, message);

    assertThat(failure.failureCode()).isEqualTo(400);
    assertThat(failure.getMessage()).startsWith("webhook.payloadTemplate:").contains("1024");
    assertThat(infra.count("true")).isZero();
  }

  /**
   * The wiring on the event bus: a refusal by the parser is a 400 naming the field and leaves no row
   * and no queue entry. Every case the parser refuses is in CreateRequestParserTest.
   */
  static Stream<Arguments> invalidMessages() {
    return Stream.of(
        invalid("organizationId", m -> m.remove("organizationId")),
        invalid("webhook.customHeaders[0].key", m -> webhook(m).put("customHeaders",
            new JsonArray().add(header("X-Bad\r\nInjected", "v")))));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("invalidMessages")
  void invalidInputIsRefusedWith400NamingTheFieldAndStoresNothing(String field, Consumer<JsonObject> breakIt,
                                                                   Vertx vertx) {
    JsonObject message = Messages.create(7, 9, "node-1", URL);
    breakIt.accept(message);

    ReplyException failure = Messages.sendExpectingFailure(vertx, message);

    assertThat(failure.failureCode()).isEqualTo(400);
    assertThat(failure.getMessage()).startsWith(field + ":");
    assertThat(infra.count("true")).isZero();
    assertThat(queue.size().await()).isZero();
  }

  @Test
  void aBodyThatIsNotAJsonObjectIsRefused(Vertx vertx) {
    ReplyException failure = Messages.sendExpectingFailure(vertx, "not json");

    assertThat(failure.failureCode()).isEqualTo(400);
    assertThat(failure.getMessage()).startsWith("body:");
  }

  private static Arguments invalid(String field, Consumer<JsonObject> breakIt) {
    return Arguments.of(field, breakIt);
  }

  private static JsonObject webhook(JsonObject message) {
    return message.getJsonObject("webhook");
  }

  private static JsonObject header(String key, String value) {
    return new JsonObject().put("key", key).put("value", value);
  }
}
