package dev.hookline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.domain.DueRef;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 23, point 10: a worker whose delivery stops making progress while work is due says so in
 * readiness and in {@code hookline_delivery_stalled}, and says it no more once it moves again; an
 * idle worker, one whose due work waits for an open circuit and one whose every slot waits on a slow
 * receiver are not reported. A 1 s timeout, a 1.5 s lease and a stall time of 2 s (the lease allows
 * anything longer than 1.5 s).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DeliveryStallTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final double STALL_SECONDS = 2;
  private static final Pattern STALLED = Pattern.compile("(?m)^hookline_delivery_stalled ([0-9.]+)$");
  private static final Pattern PROGRESS_AGE = Pattern.compile("(?m)^hookline_delivery_progress_age_seconds ([0-9.E-]+)$");

  private Fixture fixture;
  private TestInfra infra;
  private Hookline hookline;
  private ApiClient api;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
  }

  @AfterEach
  void tearDown() {
    try {
      if (api != null) {
        api.close();
      }
    } finally {
      fixture.close();
    }
  }

  /** One delivery verticle with two slots, 1 s timeout, 1.5 s lease, 2 s stall time; {@code delivery} on top. */
  private void start(Vertx vertx, JsonObject delivery) {
    JsonObject settings = new JsonObject().put("instances", 1).put("maxInFlight", 2).put("timeoutSeconds", 1.0)
        .put("leaseSeconds", 1.5).put("stallSeconds", STALL_SECONDS).mergeIn(delivery);
    hookline = fixture.start(vertx, settings);
    api = new ApiClient(vertx, hookline, null);
  }

  /**
   * The claim hangs: a second session holds the due rows' row locks (as a stuck transaction would),
   * so the claim statement waits, the pump's claims run out at the lease one after another, and the
   * sweeper keeps the ids due on the schedule. Nothing else waits: the sweeper, the gauges and the
   * other checks read those rows without locking them. Readiness goes down and the gauge to 1, not
   * before the stall time; once the locks go, both recover and every delivery is sent.
   */
  @Test
  void aPumpWhoseClaimHangsWithWorkDueIsReportedUntilItMovesAgain(Vertx vertx) throws SQLException {
    JsonObject config = infra.config();
    // Each claim given up at the lease still waits in Postgres on a connection of its own.
    config.getJsonObject("postgres").put("poolSize", 12);
    config.getJsonObject("delivery").mergeIn(new JsonObject().put("instances", 1).put("maxInFlight", 1)
        .put("timeoutSeconds", 1.0).put("leaseSeconds", 1.5).put("stallSeconds", STALL_SECONDS));
    hookline = fixture.startWithConfig(vertx, config);
    api = new ApiClient(vertx, hookline, null);
    List<DueRef> due = infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, max_attempts, scheduled_for)"
        + " SELECT gen_random_uuid(), 7, n, 'n', ?, 'POST', '{}', 5, now() + interval '2 seconds'"
        + " FROM generate_series(1, 10) AS n RETURNING id, scheduled_for", fixture.receiver.url("/hook")).stream()
        .map(row -> new DueRef(((Number) row.get(0)).longValue(), ((Timestamp) row.get(1)).getTime())).toList();
    long dueAtMillis = due.get(0).dueAtMillis();
    try (Connection holder = infra.connect(); Statement statement = holder.createStatement()) {
      holder.setAutoCommit(false);
      statement.executeQuery("SELECT id FROM webhook_deliveries FOR UPDATE").close();
      hookline.queue().enqueueAll(due).await();
      assertThat(checks().getString("delivery")).isEqualTo("up");

      Await.until("readiness to report the stall", Duration.ofSeconds(15),
          () -> checks().getString("delivery").startsWith("down:"), () -> checks().encode());
      double secondsDue = (System.currentTimeMillis() - dueAtMillis) / 1e3;
      // The pump's last progress is its last empty pop before the ids fell due, an idle poll at most.
      assertThat(secondsDue).as("seconds from due to the report").isGreaterThan(STALL_SECONDS - 0.2);
      HttpResponse<Buffer> ready = api.anonymous(HttpMethod.GET, "/health/ready").send().await();
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.bodyAsJsonObject().getJsonArray("failed")).containsExactly("delivery");
      assertThat(ready.bodyAsJsonObject().getJsonObject("checks").getString("delivery"))
          .matches("down: delivery has made no progress for \\d+ s while \\d+ deliveries are due");
      Await.until("the stalled gauge to say 1", Duration.ofSeconds(10), () -> gauge(STALLED) == 1.0, this::metrics);
      assertThat(gauge(PROGRESS_AGE)).isGreaterThan(STALL_SECONDS);

      holder.rollback();
    }

    Await.until("every delivery sent once the locks are gone", Duration.ofSeconds(30),
        () -> infra.count("status = 'succeeded'") == due.size(),
        () -> infra.sql("SELECT id, status, attempt_count, last_error FROM webhook_deliveries").toString());
    Await.until("readiness and the gauge to recover", Duration.ofSeconds(10),
        () -> "up".equals(checks().getString("delivery")) && gauge(STALLED) == 0.0,
        () -> checks().encode() + "\n" + metrics());
    assertThat(api.anonymous(HttpMethod.GET, "/health/ready").send().await().statusCode()).isEqualTo(200);
  }

  @Test
  void anIdleWorkerIsNotReported(Vertx vertx) {
    start(vertx, new JsonObject());

    List<String> seen = watchFor(2 * STALL_SECONDS);

    assertThat(seen).as("readiness's delivery check while idle").containsOnly("up");
    assertThat(gauge(STALLED)).isZero();
    assertThat(gauge(PROGRESS_AGE)).as("an idle pump pops every idle poll").isLessThan(STALL_SECONDS);
  }

  /**
   * Due work that waits for its origin's open circuit is put back on the schedule for the end of the
   * cool-down, so nothing is due meanwhile and the pump idles.
   */
  @Test
  void aWorkerWhoseDueWorkWaitsForAnOpenCircuitIsNotReported(Vertx vertx) {
    fixture.receiver.behave(request -> Reply.status(503));
    start(vertx, new JsonObject().put("circuitFailureThreshold", 2).put("circuitCooldownSeconds", 60)
        .put("circuitMaxCooldownSeconds", 60).put("maxAttempts", 20));
    for (int run = 1; run <= 10; run++) {
      Messages.send(vertx, Messages.create(7, run, "node-1", fixture.receiver.url("/down")));
    }
    Await.until("the circuit to hold the deliveries back", Duration.ofSeconds(15),
        () -> metrics().matches("(?s).*hookline_deliveries_deferred_total\\{reason=\"circuit_open\",?} [1-9].*")
            && hookline.queue().dueCount().await() == 0, this::metrics);

    List<String> seen = watchFor(2 * STALL_SECONDS);

    assertThat(seen).as("readiness's delivery check while the circuit is open").containsOnly("up");
    assertThat(gauge(STALLED)).isZero();
    assertThat(infra.count("status = 'pending'")).as("still waiting").isEqualTo(10);
  }

  /** Both slots held by a receiver that answers just before the timeout, with more work due all along. */
  @Test
  void aWorkerWhoseEverySlotWaitsOnASlowReceiverIsNotReported(Vertx vertx) {
    fixture.receiver.behave(request -> Reply.delayed(200, 900));
    start(vertx, new JsonObject());
    for (int run = 1; run <= 16; run++) {
      Messages.send(vertx, Messages.create(7, run, "node-1", fixture.receiver.url("/slow")));
    }

    List<String> seen = watchFor(2 * STALL_SECONDS);

    assertThat(hookline.queue().dueCount().await()).as("work still due after the watch").isPositive();
    assertThat(seen).as("readiness's delivery check while busy").containsOnly("up");
    assertThat(gauge(STALLED)).isZero();
    Await.until("every delivery sent", Duration.ofSeconds(30), () -> infra.count("status = 'succeeded'") == 16);
  }

  /** Readiness's delivery check, read again and again for {@code seconds}, with the gauge refreshed many times over. */
  private List<String> watchFor(double seconds) {
    List<String> seen = new ArrayList<>();
    long until = System.nanoTime() + (long) (seconds * 1e9);
    Await.until(seconds + " s of watching readiness", Duration.ofSeconds((long) seconds + 10), () -> {
      seen.add(checks().getString("delivery"));
      return System.nanoTime() > until;
    });
    return seen;
  }

  private JsonObject checks() {
    return api.anonymous(HttpMethod.GET, "/health/ready").send().await().bodyAsJsonObject().getJsonObject("checks");
  }

  private String metrics() {
    return api.anonymous(HttpMethod.GET, "/metrics").send().await().bodyAsString();
  }

  private double gauge(Pattern series) {
    Matcher matcher = series.matcher(metrics());
    assertThat(matcher.find()).as(series.pattern()).isTrue();
    return Double.parseDouble(matcher.group(1));
  }
}
