package dev.hookline.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.ops.OperatorBusVerticle;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bulk retry and resend with outcome events going to a real events receiver: an operator's empty
 * filter replays the deliveries callers asked for and none of Hookline's own event rows (which would
 * send every stored event to {@code events.webhookUrl} again); naming {@code kind: "event"} replays
 * the event rows and nothing else; a kind that is neither is a 400 naming {@code kind}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BulkReplayKindTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String OPERATOR = "operator-token-0123456789abcdef";
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String EVENT_ROWS = "SELECT delivery_uuid::text, status, attempt_count FROM webhook_deliveries"
      + " WHERE kind = 'event' ORDER BY id";

  private Fixture fixture;
  private TestInfra infra;
  private ApiClient api;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(OPERATOR));
    config.put("events", new JsonObject().put("webhookUrl", fixture.receiver.url("/events")));
    // "/gone" dead-letters (404 is permanent), and so does the event telling it; the rest succeeds.
    fixture.receiver.behave(r -> r.path().equals("/gone")
        || r.path().equals("/events") && r.body().contains("delivery.dead_lettered") ? Reply.status(404)
        : Reply.status(204));
    Hookline hookline = fixture.startWithConfig(vertx, config);
    api = new ApiClient(vertx, hookline, OPERATOR);
  }

  @AfterEach
  void tearDown() {
    try {
      api.close();
    } finally {
      fixture.close();
    }
  }

  @Test
  void bulkReplayLeavesEventRowsAloneUnlessKindEventIsNamed(Vertx vertx) {
    String succeeded = create(1, "/hook");
    String dead = create(2, "/gone");
    awaitRow(succeeded, "succeeded", 1);
    awaitRow(dead, "dead_letter", 1);
    awaitEventRows(2);
    List<List<Object>> events = infra.sql(EVENT_ROWS);
    assertThat(events).extracting(row -> row.get(1)).as("the succeeded and the dead-lettered event")
        .containsExactlyInAnyOrder("succeeded", "dead_letter");
    fixture.receiver.behave(r -> Reply.status(204));

    assertThat(bulk("retry", new JsonObject())).as("the dead letter, not the dead-lettered event row").isEqualTo(1);
    awaitRow(dead, "succeeded", 2);
    awaitEventRows(3);
    assertThat(infra.sql(EVENT_ROWS).subList(0, 2)).as("event rows untouched by retry {}").isEqualTo(events);

    assertThat(bulk("resend", new JsonObject())).as("the two deliveries, none of the three event rows").isEqualTo(2);
    awaitRow(succeeded, "succeeded", 2);
    awaitRow(dead, "succeeded", 3);
    awaitEventRows(5);
    List<List<Object>> afterResend = infra.sql(EVENT_ROWS);
    assertThat(afterResend.subList(0, 2)).as("event rows untouched by resend {}").isEqualTo(events);
    assertThat(afterResend).extracting(row -> row.get(2)).as("no event row sent twice").containsOnly(1);
    assertThat(eventsReceived()).as("one webhook per outcome, none again").isEqualTo(5);

    assertThat(count("kind=delivery")).isEqualTo(2);
    assertThat(count("kind=event")).isEqualTo(5);
    assertThat(count("")).as("no kind: both").isEqualTo(7);
    ApiClient.assertError(api.get("/v1/deliveries/count?kind=events"), 400, "kind");
    ApiClient.assertError(api.get("/v1/deliveries?kind=webhook"), 400, "kind");

    assertThat(bulk("retry", new JsonObject().put("kind", "event"))).as("the dead-lettered event row").isEqualTo(1);
    String deadEvent = (String) events.stream().filter(row -> row.get(1).equals("dead_letter")).findFirst()
        .orElseThrow().get(0);
    awaitRow(deadEvent, "succeeded", 2);
    assertThat(row(succeeded).getInteger("attemptCount")).isEqualTo(2);
    assertThat(row(dead).getInteger("attemptCount")).isEqualTo(3);

    assertThat(resendOnTheBus(vertx, new JsonObject().put("kind", "event").put("status", "succeeded")))
        .as("every event row, all succeeded now").isEqualTo(5);
    Await.until("every event row sent once more", WAIT, () -> infra.sql(EVENT_ROWS).stream()
        .allMatch(row -> "succeeded".equals(row.get(1))
            && ((Number) row.get(2)).intValue() == (row.get(0).equals(deadEvent) ? 3 : 2)),
        () -> infra.sql(EVENT_ROWS).toString());
    assertThat(count("kind=event")).as("no event about an event row").isEqualTo(5);
    assertThat(row(succeeded).getInteger("attemptCount")).isEqualTo(2);
    assertThat(row(dead).getInteger("attemptCount")).isEqualTo(3);

    assertThat(resendOnTheBus(vertx, new JsonObject())).as("the bus's empty filter: the deliveries only").isEqualTo(2);
    awaitRow(succeeded, "succeeded", 3);
    awaitRow(dead, "succeeded", 4);
    awaitEventRows(7);
    List<List<Object>> last = infra.sql(EVENT_ROWS);
    for (int i = 0; i < last.size(); i++) {
      int expected = i >= 5 ? 1 : last.get(i).get(0).equals(deadEvent) ? 3 : 2;
      assertThat(last.get(i).get(2)).as("attempts of event row %d: the old ones not sent again", i).isEqualTo(expected);
    }
  }

  @Test
  void aKindThatIsNeitherIsRefusedNamingKind(Vertx vertx) {
    for (String action : List.of("retry", "resend")) {
      for (Object kind : List.of("events", "", "EVENT", 1, new JsonArray().add("event"))) {
        ApiClient.assertError(api.post("/v1/deliveries/" + action, new JsonObject().put("kind", kind)), 400, "kind");
      }
    }
    ReplyException refused = Messages.requestExpectingFailure(vertx, OperatorBusVerticle.RESEND_ADDRESS,
        new JsonObject().put("kind", "webhook"));
    assertThat(refused.failureCode()).isEqualTo(400);
    assertThat(refused.getMessage()).startsWith("kind: ").contains("delivery or event");
  }

  private String create(long run, String path) {
    HttpResponse<Buffer> response = api.post("/v1/deliveries", Messages.create(7, run, "node-1",
        fixture.receiver.url(path)));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject().getString("deliveryUuid");
  }

  private long bulk(String action, JsonObject filter) {
    HttpResponse<Buffer> response = api.post("/v1/deliveries/" + action, filter);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getLong(action.equals("retry") ? "retried" : "resent");
  }

  private static long resendOnTheBus(Vertx vertx, JsonObject filter) {
    JsonObject reply = (JsonObject) vertx.eventBus().request(OperatorBusVerticle.RESEND_ADDRESS, filter).await().body();
    return reply.getLong("resent");
  }

  private long count(String query) {
    HttpResponse<Buffer> response = api.get("/v1/deliveries/count?" + query);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject().getLong("count");
  }

  private long eventsReceived() {
    return fixture.receiver.requestsTo("/events").size();
  }

  /** Waits until there are {@code n} event rows, every one final. */
  private void awaitEventRows(int n) {
    Await.until(n + " final event rows", WAIT, () -> {
      List<List<Object>> rows = infra.sql(EVENT_ROWS);
      return rows.size() == n && rows.stream().noneMatch(row -> "pending".equals(row.get(1)));
    }, () -> infra.sql(EVENT_ROWS).toString());
  }

  private JsonObject row(String uuid) {
    HttpResponse<Buffer> response = api.get("/v1/deliveries/" + uuid);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private void awaitRow(String uuid, String status, int attemptCount) {
    Await.until(uuid + " " + status + " after " + attemptCount + " attempt(s)", WAIT, () -> {
      JsonObject row = row(uuid);
      return status.equals(row.getString("status")) && row.getInteger("attemptCount") == attemptCount;
    }, () -> row(uuid).encode());
  }
}
