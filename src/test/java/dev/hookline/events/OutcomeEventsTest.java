package dev.hookline.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.SpecVerifier;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Outcome events end to end: each final outcome (and, when asked for, each failed attempt) arrives
 * once at a real events receiver, signed per Standard Webhooks and checked by a verifier written
 * from the specification; the same events go out on the event bus; an event is written with its
 * outcome, so it survives the death of the worker that recorded the outcome.
 */
@ExtendWith(VertxExtension.class)
@Timeout(90)
class OutcomeEventsTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final String secret = freshSecret();
  private final List<JsonObject> onTheBus = new CopyOnWriteArrayList<>();
  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
    vertx.eventBus().<JsonObject>consumer(EventPublisher.OUTCOME_ADDRESS, message -> onTheBus.add(message.body()));
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  private static String freshSecret() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  /** The test config with events to this test's receiver, every type asked for, room to hold an answer. */
  private JsonObject config(double timeoutSeconds, double leaseSeconds) {
    JsonObject config = infra.config();
    config.getJsonObject("delivery").put("timeoutSeconds", timeoutSeconds).put("leaseSeconds", leaseSeconds);
    config.put("events", new JsonObject().put("webhookUrl", receiver.url("/events")).put("secret", secret)
        .put("types", new JsonArray(List.of("delivery.succeeded", "delivery.dead_lettered", "delivery.cancelled",
            "delivery.expired", "delivery.attempt_failed", "endpoint.disabled"))));
    return config;
  }

  private long create(Vertx vertx, long run, String path) {
    JsonObject reply = Messages.send(vertx, Messages.create(7, run, "node-1", receiver.url(path)));
    assertThat(reply.getString("status")).isEqualTo("created");
    return reply.getLong("deliveryId");
  }

  private String status(long id) {
    return (String) infra.sql("SELECT status FROM webhook_deliveries WHERE id = ?", id).get(0).get(0);
  }

  private String uuid(long id) {
    return (String) infra.sql("SELECT delivery_uuid::text FROM webhook_deliveries WHERE id = ?", id).get(0).get(0);
  }

  private long eventRows(String status) {
    return (Long) infra.sql("SELECT count(*) FROM webhook_deliveries WHERE kind = 'event' AND status LIKE ?", status)
        .get(0).get(0);
  }

  private static String key(JsonObject event) {
    return event.getString("type") + " " + event.getString("deliveryUuid") + " #" + event.getInteger("attempt");
  }

  @Test
  void everyOutcomeArrivesOnceSignedAtTheEventsReceiverAndOnTheBus(Vertx vertx) {
    Promise<Void> cancelHeld = Promise.promise();
    Promise<Void> expireHeld = Promise.promise();
    receiver.behave(r -> switch (r.path()) {
      case "/missing" -> Reply.status(404);
      case "/cancel" -> Reply.heldUntil(cancelHeld.future(), 200);
      case "/expire" -> Reply.heldUntil(expireHeld.future(), 503);
      default -> Reply.status(200);
    });
    Hookline hookline = fixture.startWithConfig(vertx, config(20, 30));

    long succeeded = create(vertx, 1, "/ok");
    long deadLetter = create(vertx, 2, "/missing");
    long cancelled = create(vertx, 3, "/cancel");
    long expired = create(vertx, 4, "/expire");
    Await.until("both held attempts at the receiver", WAIT,
        () -> !receiver.requestsTo("/cancel").isEmpty() && !receiver.requestsTo("/expire").isEmpty());
    try (ApiClient api = new ApiClient(vertx, hookline, null)) {
      assertThat(api.post("/v1/deliveries/" + uuid(cancelled) + "/cancel", new JsonObject()).statusCode())
          .isEqualTo(200);
    }
    // The window closes while the attempt is on the wire: its 503 cannot be retried.
    infra.sql("UPDATE webhook_deliveries SET retry = '{\"maxAttempts\": 5, \"deliverWithinSeconds\": 1}',"
        + " expires_at = now() - interval '1 second' WHERE id = ?", expired);
    cancelHeld.complete();
    expireHeld.complete();

    Set<String> expected = Set.of(
        "delivery.succeeded " + uuid(succeeded) + " #1",
        "delivery.dead_lettered " + uuid(deadLetter) + " #1",
        "delivery.cancelled " + uuid(cancelled) + " #1",
        "delivery.attempt_failed " + uuid(expired) + " #1",
        "delivery.expired " + uuid(expired) + " #1");
    Await.until("every outcome final and its event delivered", WAIT,
        () -> status(expired).equals("expired") && eventRows("succeeded") == expected.size(),
        () -> "expired row " + status(expired) + ", events " + receiver.requestsTo("/events").size());

    List<Receiver.Received> events = receiver.requestsTo("/events");
    List<JsonObject> bodies = events.stream().map(r -> new JsonObject(r.body())).toList();
    assertThat(bodies).extracting(OutcomeEventsTest::key).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(eventRows("%")).as("no event about an event delivery").isEqualTo(expected.size());
    for (Receiver.Received event : events) {
      long now = Instant.now().getEpochSecond();
      assertThat(SpecVerifier.verifies(secret, event.headers(), event.body(), now)).as(event.body()).isTrue();
      assertThat(SpecVerifier.verifies(freshSecret(), event.headers(), event.body(), now)).isFalse();
      assertThat(event.header("webhook-id")).isEqualTo(event.header("X-Dograh-Delivery-Id"));
    }
    JsonObject dead = bodies.stream().filter(b -> b.getString("type").equals("delivery.dead_lettered")).findFirst()
        .orElseThrow();
    assertThat(dead.getLong("deliveryId")).isEqualTo(deadLetter);
    assertThat(dead.getLong("organizationId")).isEqualTo(7L);
    assertThat(dead.getLong("workflowRunId")).isEqualTo(2L);
    assertThat(dead.getString("webhookNodeId")).isEqualTo("node-1");
    assertThat(dead.getInteger("statusCode")).isEqualTo(404);
    assertThat(dead.getString("error")).contains("404");
    assertThat(Instant.parse(dead.getString("occurredAt"))).isBefore(Instant.now());

    Await.until("the bus heard every event", WAIT, () -> onTheBus.size() >= expected.size());
    assertThat(onTheBus).extracting(OutcomeEventsTest::key).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(onTheBus).containsExactlyInAnyOrderElementsOf(bodies);
  }

  @Test
  void anEventSurvivesTheDeathOfTheWorkerThatRecordedItsOutcome(Vertx vertx) {
    Promise<Void> never = Promise.promise();
    // The first worker's send of the event never gets an answer; it dies with the event unsent.
    receiver.behave(r -> r.path().equals("/events") && receiver.requestsTo("/events").size() == 1
        ? Reply.heldUntil(never.future(), 200) : Reply.status(200));
    Vertx doomed = Vertx.vertx();
    try {
      // Started outside the fixture: it dies with its Vert.x instead of being stopped.
      Hookline.start(doomed, config(4, 5)).await();
      long id = create(doomed, 5, "/ok");
      Await.until("the event's first send at the receiver", WAIT, () -> receiver.requestsTo("/events").size() == 1);
      assertThat(status(id)).isEqualTo("succeeded");
      assertThat(eventRows("pending")).as("the event row committed with the outcome").isEqualTo(1);
    } finally {
      doomed.close().await();
    }

    fixture.startWithConfig(vertx, config(4, 5));
    Await.until("the event sent again by the next worker", WAIT, () -> eventRows("succeeded") == 1,
        () -> "event requests " + receiver.requestsTo("/events").size());
    List<Receiver.Received> sends = receiver.requestsTo("/events");
    assertThat(sends).hasSize(2);
    assertThat(sends.stream().map(r -> r.header("webhook-id")).collect(Collectors.toSet())).hasSize(1);
    assertThat(sends.get(1).header("X-Dograh-Delivery-Attempt")).isEqualTo("2");
    assertThat(new JsonObject(sends.get(1).body()).getString("type")).isEqualTo("delivery.succeeded");
    assertThat(SpecVerifier.verifies(secret, sends.get(1).headers(), sends.get(1).body(),
        Instant.now().getEpochSecond())).isTrue();
    never.complete();
  }

  /**
   * Every outcome has its own identity: a delivery cancelled, resent and cancelled again before any
   * send (its origin's one slot is held by another delivery) has two cancels at the same attempt
   * number, and both are told, as event rows and as webhooks.
   */
  @Test
  void aDeliveryCancelledResentAndCancelledAgainTellsBothCancels(Vertx vertx) {
    String token = "outcome-events-operator-token";
    Receiver deliveries = Receiver.start(vertx);
    Promise<Void> blockerHeld = Promise.promise();
    deliveries.behave(r -> r.path().equals("/blocker") ? Reply.heldUntil(blockerHeld.future(), 200) : Reply.status(200));
    JsonObject config = config(20, 30);
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(token));
    config.getJsonObject("delivery").put("instances", 1).put("maxInFlightPerOrigin", 1);
    Hookline hookline = fixture.startWithConfig(vertx, config);
    try (ApiClient api = new ApiClient(vertx, hookline, token)) {
      Messages.send(vertx, Messages.create(7, 1, "node-1", deliveries.url("/blocker")));
      Await.until("the blocker holding its origin's one slot", WAIT, () -> deliveries.requests().size() == 1);
      JsonObject target = Messages.send(vertx, Messages.create(7, 2, "node-1", deliveries.url("/target")));
      String uuid = target.getString("deliveryUuid");

      assertThat(api.post("/v1/deliveries/" + uuid + "/cancel", null).statusCode()).isEqualTo(200);
      assertThat(api.post("/v1/deliveries/" + uuid + "/resend", null).statusCode()).isEqualTo(200);
      assertThat(api.post("/v1/deliveries/" + uuid + "/cancel", null).statusCode()).isEqualTo(200);

      Await.until("two cancels of the target at the events receiver", WAIT, () -> receiver.requestsTo("/events")
          .stream().map(r -> new JsonObject(r.body()))
          .filter(e -> e.getString("type").equals("delivery.cancelled") && e.getString("deliveryUuid").equals(uuid))
          .count() == 2, () -> String.valueOf(receiver.requestsTo("/events").stream().map(Receiver.Received::body).toList()));
      assertThat(infra.sql("SELECT count(*) FROM webhook_deliveries WHERE kind = 'event'"
          + " AND payload::jsonb ->> 'deliveryUuid' = ? AND payload::jsonb ->> 'type' = 'delivery.cancelled'", uuid)
          .get(0).get(0)).as("two event rows").isEqualTo(2L);
      assertThat(onTheBus.stream().filter(e -> e.getString("type").equals("delivery.cancelled")
          && e.getString("deliveryUuid").equals(uuid))).hasSize(2);
      assertThat(deliveries.requestsTo("/target")).as("never sent").isEmpty();
    } finally {
      blockerHeld.tryComplete();
      deliveries.close();
    }
  }
}
