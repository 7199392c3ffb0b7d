package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.sweep.SweepVerticle;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.LogCapture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An attempt whose outcome was never recorded may have been delivered, so it never ends a delivery
 * as expired or dead-lettered: its success write goes on past the lease while the fence accepts it,
 * and a delivery past its window with such an attempt is sent once more to settle it. A claim that
 * sent nothing (its answer never came) is given back and is not counted as such an attempt.
 */
@ExtendWith(VertxExtension.class)
@Timeout(90)
class UnrecordedAttemptsTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final Duration WAIT = Duration.ofSeconds(30);

  private Fixture fixture;
  private TestInfra infra;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
  }

  @AfterEach
  void tearDown() {
    fixture.close();
    infra.sql("DROP TRIGGER IF EXISTS refuse_success ON webhook_deliveries");
  }

  /** Starts Hookline and waits for its sweeper's start-up pass, so a row made after it is swept only later. */
  private Hookline startAfterTheFirstSweep(Vertx vertx, JsonObject config) {
    try (LogCapture sweeps = LogCapture.ofDebug(SweepVerticle.class)) {
      Hookline hookline = fixture.startWithConfig(vertx, config);
      Await.until("the start-up sweep done", WAIT, () -> sweeps.messages().stream().anyMatch(m -> m.startsWith("sweep found")));
      return hookline;
    }
  }

  private List<Object> row(long id) {
    return infra.sql("SELECT status, attempt_count, recorded_attempts, last_status_code FROM webhook_deliveries"
        + " WHERE id = ?", id).get(0);
  }

  private List<String> attemptsSent() {
    return fixture.receiver.requests().stream().map(r -> r.header("X-Dograh-Delivery-Attempt")).toList();
  }

  /** A pending delivery one of whose claims (attempt 1) may have been sent, its lease and its window both over. */
  private long unrecordedPastItsWindow() {
    return (Long) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, max_attempts, attempt_count, recorded_attempts,"
        + " leased_until, expires_at, retry) VALUES (gen_random_uuid(), 7, 9, 'node-1', ?, 'POST', '{}', 5, 1, 0,"
        + " now() - interval '1 second', now() - interval '1 second', '{\"maxAttempts\": 5, \"deliverWithinSeconds\": 5}')"
        + " RETURNING id", fixture.receiver.url("/late")).get(0).get(0);
  }

  @Test
  void aDeliveryPastItsWindowWithAnUnrecordedAttemptIsSentOnceMoreAndEndsSucceeded(Vertx vertx) {
    fixture.start(vertx, new JsonObject());
    long id = unrecordedPastItsWindow();

    Await.until("the delivery to be final", WAIT, () -> !"pending".equals(row(id).get(0)), () -> String.valueOf(row(id)));

    assertThat(row(id)).as("status, attempts, recorded, last status").containsExactly("succeeded", 2, 1, 200);
    assertThat(attemptsSent()).containsExactly("2");
  }

  @Test
  void aSettlingSendThatFailsPastTheWindowEndsExpired(Vertx vertx) {
    fixture.receiver.behave(r -> Reply.status(503));
    fixture.start(vertx, new JsonObject());
    long id = unrecordedPastItsWindow();

    Await.until("the delivery to be final", WAIT, () -> !"pending".equals(row(id).get(0)), () -> String.valueOf(row(id)));

    assertThat(row(id)).containsExactly("expired", 2, 1, 503);
    assertThat(attemptsSent()).as("one settling send, no more").containsExactly("2");
  }

  @Test
  void aSuccessWriteRefusedPastItsLeaseIsStillRecordedWithoutAResend(Vertx vertx) {
    // The sweeper would only re-queue the row after a minute: what records the success is the write.
    JsonObject config = infra.config();
    config.getJsonObject("delivery").put("timeoutSeconds", 0.8).put("leaseSeconds", 1.2);
    config.getJsonObject("sweep").put("intervalSeconds", 60);
    fixture.startWithConfig(vertx, config);
    infra.sql("CREATE OR REPLACE FUNCTION refuse_success() RETURNS trigger LANGUAGE plpgsql AS"
        + " $$ BEGIN RAISE EXCEPTION 'injected: success write refused'; END $$");
    infra.sql("CREATE TRIGGER refuse_success BEFORE UPDATE ON webhook_deliveries FOR EACH ROW"
        + " WHEN (NEW.status = 'succeeded') EXECUTE FUNCTION refuse_success()");

    long id;
    try (LogCapture runner = LogCapture.of(AttemptRunner.class)) {
      id = Messages.send(vertx, Messages.create(7, 9, "node-1", fixture.receiver.url("/ok"))).getLong("deliveryId");
      Await.until("the success write refused", WAIT, () -> runner.messages().stream()
          .anyMatch(m -> m.contains("delivered but the success write failed")), () -> "logged: " + runner.messages());
      Await.until("the lease to be over", WAIT, () -> (Boolean) infra.sql(
          "SELECT leased_until < now() FROM webhook_deliveries WHERE id = ?", id).get(0).get(0));
      infra.sql("DROP TRIGGER refuse_success ON webhook_deliveries");

      Await.until("the success recorded", WAIT, () -> "succeeded".equals(row(id).get(0)), () -> String.valueOf(row(id)));
      assertThat(runner.messages()).noneMatch(m -> m.contains("could not be recorded"));
    }
    assertThat(row(id)).containsExactly("succeeded", 1, 1, 200);
    assertThat(attemptsSent()).as("no resend").containsExactly("1");
  }

  @Test
  void aClaimWhoseAnswerNeverCameIsGivenBackSoTheFirstSendIsAttemptOne(Vertx vertx) throws Exception {
    JsonObject config = infra.config();
    config.getJsonObject("delivery").put("instances", 1).put("timeoutSeconds", 0.8).put("leaseSeconds", 1.2);
    // Only this test queues the row: no sweep re-adds it (the start-up pass is over before it exists).
    config.getJsonObject("sweep").put("intervalSeconds", 60);
    Hookline hookline = startAfterTheFirstSweep(vertx, config);
    long id = (Long) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, max_attempts) VALUES (gen_random_uuid(), 7, 9,"
        + " 'node-1', ?, 'POST', '{}', 5) RETURNING id", fixture.receiver.url("/ok")).get(0).get(0);

    // Another session holds the row, so the claim waits past the worker's patience (the lease) and
    // commits only when the row is let go: a claim whose answer the worker never got.
    try (Connection holder = DriverManager.getConnection(infra.jdbcUrl(), "postgres", null);
         LogCapture pump = LogCapture.of(DeliveryPump.class)) {
      holder.setAutoCommit(false);
      holder.createStatement().execute("SELECT 1 FROM webhook_deliveries WHERE id = " + id + " FOR UPDATE");
      hookline.queue().enqueue(id, System.currentTimeMillis()).await();
      Await.until("the claim to give up waiting for its answer", WAIT, () -> pump.messages().stream()
          .anyMatch(m -> m.contains("claiming due deliveries failed (Timeout")), () -> "logged: " + pump.messages());
      holder.commit();
      Await.until("the claim given back", WAIT, () -> pump.messages().stream().anyMatch(m -> m.contains("given back unsent")),
          () -> "logged: " + pump.messages() + " row " + row(id) + " sent " + attemptsSent());
    }
    // Popped and not claimed, the id is off the schedule: what a sweep would do, done now.
    hookline.queue().enqueue(id, System.currentTimeMillis()).await();

    Await.until("the delivery to succeed", WAIT, () -> "succeeded".equals(row(id).get(0)), () -> String.valueOf(row(id)));
    assertThat(attemptsSent()).as("the claim that was never answered sent nothing and was given back")
        .containsExactly("1");
    assertThat(row(id)).containsExactly("succeeded", 1, 1, 200);
  }

  /**
   * A claim given back unsent (its origin's circuit opened between the claim and the send) whose
   * release Postgres refuses is released once Postgres answers, so it does not count as an attempt
   * that may have been sent: the delivery's first send is attempt 1.
   */
  @Test
  void aReleaseRefusedForAWhileIsRetriedSoTheFirstSendIsAttemptOne(Vertx vertx) throws Exception {
    boolean[] failing = {true};
    fixture.receiver.behave(r -> r.path().equals("/fail") && failing[0] ? Reply.status(503) : Reply.status(200));
    JsonObject config = infra.config();
    // A lease long enough that the claim waiting for the row never times out meanwhile.
    config.getJsonObject("delivery").put("instances", 2).put("timeoutSeconds", 20).put("leaseSeconds", 30)
        .put("circuitFailureThreshold", 2)
        // A cool-down long enough that the held claim surely meets the circuit open, not half-open.
        .put("circuitCooldownSeconds", 8).put("circuitMaxCooldownSeconds", 8).put("baseDelaySeconds", 5)
        .put("maxDelaySeconds", 5);
    // No sweep re-adds the row meanwhile (the start-up pass is over before the row exists), so only
    // the claim this test queues takes it, and only one of the two verticles waits on it.
    config.getJsonObject("sweep").put("intervalSeconds", 60);
    Hookline hookline = startAfterTheFirstSweep(vertx, config);
    long id = (Long) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, max_attempts) VALUES (gen_random_uuid(), 7, 1,"
        + " 'node-1', ?, 'POST', '{}', 5) RETURNING id", fixture.receiver.url("/y")).get(0).get(0);

    // The first two releases (the only statements that lower an attempt count here) are refused.
    infra.sql("CREATE SEQUENCE refuse_release");
    infra.sql("CREATE OR REPLACE FUNCTION refuse_release() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        + " IF nextval('refuse_release') <= 2 THEN RAISE EXCEPTION 'injected: release refused'; END IF;"
        + " RETURN NEW; END $$");
    infra.sql("CREATE TRIGGER refuse_release BEFORE UPDATE ON webhook_deliveries FOR EACH ROW"
        + " WHEN (NEW.attempt_count < OLD.attempt_count) EXECUTE FUNCTION refuse_release()");
    try (Connection holder = DriverManager.getConnection(infra.jdbcUrl(), "postgres", null);
         LogCapture runner = LogCapture.of(AttemptRunner.class);
         LogCapture circuits = LogCapture.of(CircuitBreaker.class)) {
      // The claim of the row waits while the origin's circuit opens: claimed as closed, sent as open.
      holder.setAutoCommit(false);
      holder.createStatement().execute("SELECT 1 FROM webhook_deliveries WHERE id = " + id + " FOR UPDATE");
      hookline.queue().enqueue(id, System.currentTimeMillis()).await();
      Await.until("the claim waiting for the row", WAIT, () -> !infra.sql("SELECT 1 FROM pg_stat_activity"
          + " WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH due AS%'").isEmpty());
      Messages.send(vertx, Messages.create(7, 2, "node-1", fixture.receiver.url("/fail")));
      Messages.send(vertx, Messages.create(7, 3, "node-1", fixture.receiver.url("/fail")));
      Await.until("the origin's circuit open", WAIT, () -> circuits.messages().stream()
          .anyMatch(m -> m.contains("circuit open")), () -> "logged: " + circuits.messages());
      holder.commit();

      Await.until("the release refused, then retried", WAIT, () -> runner.messages().stream()
          .anyMatch(m -> m.contains("delivery=" + id + " attempt=1 deferred for an open circuit but not given back yet")),
          () -> "logged: " + runner.messages());
      Await.until("the attempt given back", WAIT, () -> (Integer) row(id).get(1) == 0, () -> String.valueOf(row(id)));
      failing[0] = false;
    } finally {
      infra.sql("DROP TRIGGER IF EXISTS refuse_release ON webhook_deliveries");
      infra.sql("DROP SEQUENCE IF EXISTS refuse_release");
    }

    Await.until("the delivery sent once the circuit closes", WAIT, () -> "succeeded".equals(row(id).get(0)),
        () -> String.valueOf(row(id)));
    assertThat(fixture.receiver.requestsTo("/y")).extracting(r -> r.header("X-Dograh-Delivery-Attempt"))
        .as("the claim given back sent nothing and counted for nothing").containsExactly("1");
  }
}
