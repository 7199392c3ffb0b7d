package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.intake.IntegrationVerticle;
import dev.hookline.queue.CircuitState;
import dev.hookline.queue.CircuitStore;
import dev.hookline.queue.DueQueue;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Endpoint health against real receivers, Postgres and Redis: one slow receiver cannot take every
 * slot, and a failing one is left alone by every worker until a probe finds it healthy, without
 * its deliveries using up attempts while they wait.
 */
@ExtendWith(VertxExtension.class)
class EndpointHealthTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;
  private Receiver slow;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
  }

  @AfterEach
  void tearDown() {
    try {
      fixture.close();
    } finally {
      if (slow != null) {
        slow.close();
      }
    }
  }

  /** Creates {@code count} deliveries to {@code url}, runs {@code firstRun} on, in batches of 100. */
  private static void createMany(Vertx vertx, long firstRun, int count, String url) {
    for (int from = 0; from < count; from += 100) {
      JsonArray batch = new JsonArray();
      for (int i = from; i < Math.min(count, from + 100); i++) {
        batch.add(Messages.create(7, firstRun + i, "node-1", url));
      }
      JsonArray results = (JsonArray) vertx.eventBus().request(IntegrationVerticle.CREATE_BATCH_ADDRESS, batch)
          .await().body();
      assertThat(results).allSatisfy(r -> assertThat(((JsonObject) r).getString("status")).isEqualTo("created"));
    }
  }

  private long count(String where) {
    return infra.count(where);
  }

  @Test
  void aSlowOriginCannotHoldUpAFastOne(Vertx vertx) {
    Hookline hookline = fixture.start(vertx, new JsonObject()
        .put("instances", 2).put("maxInFlight", 32).put("maxInFlightPerOrigin", 8)
        .put("timeoutSeconds", 10).put("leaseSeconds", 20).put("shutdownGraceSeconds", 0.2));
    slow = Receiver.start(vertx);
    AtomicInteger slowNow = new AtomicInteger();
    AtomicInteger slowPeak = new AtomicInteger();
    slow.behave(r -> {
      slowPeak.accumulateAndGet(slowNow.incrementAndGet(), Math::max);
      return Reply.delayed(200, 5_000);
    }).onAnswered(slowNow::decrementAndGet);
    receiver.behave(r -> Reply.status(200));
    String slowUrl = slow.url("/slow");
    String fastUrl = receiver.url("/fast");

    // Slow first, so every early pop is full of them.
    createMany(vertx, 100_000, 1_000, slowUrl);
    createMany(vertx, 200_000, 1_000, fastUrl);

    long started = System.nanoTime();
    Await.until("the fast origin's 1,000 deliveries", Duration.ofSeconds(60),
        () -> count("endpoint_url = '" + fastUrl + "' AND status = 'succeeded'") == 1_000,
        () -> "fast succeeded: " + count("endpoint_url = '" + fastUrl + "' AND status = 'succeeded'")
            + ", slow succeeded: " + count("endpoint_url = '" + slowUrl + "' AND status = 'succeeded'"));
    long fastSeconds = (System.nanoTime() - started) / 1_000_000_000L;

    long slowDone = count("endpoint_url = '" + slowUrl + "' AND status = 'succeeded'");
    assertThat(slowDone).as("the slow origin is still working when the fast one is done").isLessThan(1_000);
    assertThat(slowPeak.get()).as("slow requests at once: 2 verticles x 8 per origin").isLessThanOrEqualTo(16);
    assertThat(slowPeak.get()).as("the slow origin still gets its share").isGreaterThanOrEqualTo(8);
    assertThat(infra.sql("SELECT max(attempt_count) FROM webhook_deliveries WHERE endpoint_url = ?", slowUrl).get(0))
        .as("waiting for the slow origin uses no attempt").containsExactly(1);
    assertThat(count("endpoint_url = '" + slowUrl + "' AND attempt_count = 1 AND status = 'pending'"))
        .as("slow deliveries holding an attempt are the ones on the wire").isLessThanOrEqualTo(16);
    assertThat(count("status = 'dead_letter'")).isZero();
    assertThat(hookline.metrics().scrape()).containsPattern("hookline_deliveries_deferred_total\\{reason=\"origin_limit\",?} [1-9]");
    System.out.printf("fast origin: 1,000 in %d s; slow origin meanwhile: %d of 1,000, at most %d at once%n",
        fastSeconds, slowDone, slowPeak.get());
  }

  @Test
  void aFailingOriginsCircuitOpensProbesAndClosesAndItsDeliveriesKeepTheirAttempts(Vertx vertx) {
    JsonObject delivery = new JsonObject()
        .put("instances", 1).put("maxInFlight", 8).put("maxInFlightPerOrigin", 2).put("maxAttempts", 5)
        .put("circuitFailureThreshold", 3).put("circuitCooldownSeconds", 0.5).put("circuitMaxCooldownSeconds", 1);
    // Two workers sharing one Redis: the circuit one opens holds the other back too.
    Hookline first = fixture.start(vertx, delivery);
    Hookline second = fixture.start(vertx, delivery);
    AtomicBoolean healthy = new AtomicBoolean(false);
    receiver.behave(r -> healthy.get() ? Reply.status(200) : Reply.status(503));
    String origin = "http://127.0.0.1:" + receiver.url("").split(":")[2];
    Redis redis = Redis.createClient(vertx, TestInfra.REDIS_URL);
    try {
      watchCircuit(vertx, first, second, healthy, new CircuitStore(redis, infra.keyPrefix,
          first.config().delivery().circuit()), origin);
    } finally {
      redis.close();
    }
  }

  private void watchCircuit(Vertx vertx, Hookline first, Hookline second, AtomicBoolean healthy, CircuitStore circuits,
                            String origin) {
    createMany(vertx, 300_000, 20, receiver.url("/flaky"));

    Await.until("the circuit to open, a probe to fail and the cool-down to double", Duration.ofSeconds(20), () -> {
      CircuitState state = circuits.refresh(Map.of(), Duration.ofMinutes(1), Duration.ofMinutes(1)).await().states().get(origin);
      return state != null && state.opens() >= 2;
    });
    CircuitState doubled = circuits.refresh(Map.of(), Duration.ofMinutes(1), Duration.ofMinutes(1)).await().states().get(origin);
    int sentWhileFailing = receiver.requests().size();
    assertThat(count("status = 'dead_letter'")).as("no attempt budget ran out while the circuit was open").isZero();
    assertThat(sentWhileFailing).as("3 failures open it, 2 more may be on the wire per worker, then probes only")
        .isLessThanOrEqualTo(3 + 2 * 2 + doubled.opens() + 1);
    assertThat(doubled.openUntilMillis() - doubled.updatedMillis()).as("cool-down after a failed probe: 0.5 s doubled")
        .isEqualTo(1_000L);
    Await.until("both workers to report the open circuit", Duration.ofSeconds(5),
        () -> first.metrics().scrape().contains("hookline_circuits_open 1.0")
            && second.metrics().scrape().contains("hookline_circuits_open 1.0"));

    healthy.set(true);
    Await.until("every delivery, once a probe finds the origin healthy", Duration.ofSeconds(20),
        () -> count("status = 'succeeded'") == 20,
        () -> "succeeded " + count("status = 'succeeded'") + ", circuit " + circuits.refresh(Map.of(), Duration.ofMinutes(1), Duration.ofMinutes(1))
            .await().states());

    assertThat(circuits.refresh(Map.of(), Duration.ofMinutes(1), Duration.ofMinutes(1)).await().states().get(origin))
        .as("closed").satisfies(state -> assertThat(state == null || !state.open()).isTrue());
    Await.until("both workers to see it closed", Duration.ofSeconds(5),
        () -> first.metrics().scrape().contains("hookline_circuits_open 0.0")
            && second.metrics().scrape().contains("hookline_circuits_open 0.0"));
    // Every attempt counted is one the receiver saw: deferring never used one up.
    Map<String, Integer> sends = new HashMap<>();
    receiver.requests().forEach(r -> sends.merge(r.header("X-Dograh-Delivery-Id"), 1, Integer::sum));
    List<List<Object>> rows = infra.sql("SELECT delivery_uuid::text, attempt_count FROM webhook_deliveries");
    assertThat(rows).hasSize(20).allSatisfy(row ->
        assertThat(row.get(1)).as("attempts of " + row.get(0)).isEqualTo(sends.get((String) row.get(0))));
    assertThat(first.metrics().scrape() + second.metrics().scrape())
        .containsPattern("hookline_deliveries_deferred_total\\{reason=\"circuit_open\",?} [1-9]");
  }

  @Test
  void deliveriesWaitingForTheirOriginAreHandedBackToTheScheduleOnShutdown(Vertx vertx) {
    JsonObject config = infra.config();
    config.getJsonObject("delivery").put("instances", 1).put("maxInFlight", 8).put("maxInFlightPerOrigin", 1)
        .put("timeoutSeconds", 5).put("leaseSeconds", 10).put("shutdownGraceSeconds", 0.1);
    // No sweep during the test: it would restore a missing id and hide a delivery left in memory.
    config.getJsonObject("sweep").put("intervalSeconds", 600);
    Hookline hookline = fixture.startWithConfig(vertx, config);
    receiver.behave(r -> Reply.delayed(200, 3_000));
    createMany(vertx, 400_000, 5, receiver.url("/slow"));
    Await.until("the first request", Duration.ofSeconds(10), () -> receiver.requests().size() == 1);
    Await.until("the others to be held back", Duration.ofSeconds(5), () -> hookline.metrics().scrape()
        .matches("(?s).*hookline_deliveries_deferred_total\\{reason=\"origin_limit\",?} [4-9].*"));

    hookline.stop().await();

    List<List<Object>> waiting = infra.sql("SELECT id FROM webhook_deliveries WHERE attempt_count = 0");
    assertThat(waiting).hasSize(4);
    Redis redis = Redis.createClient(vertx, TestInfra.REDIS_URL);
    try {
      DueQueue schedule = new DueQueue(redis, infra.keyPrefix, 3);
      assertThat(waiting).as("every unsent delivery is on the schedule, none only in the stopped worker's memory")
          .allSatisfy(row -> assertThat(schedule.scoreOf((Long) row.get(0)).await()).isNotNull());
    } finally {
      redis.close();
    }
    assertThat(receiver.requests()).hasSize(1);
  }
}
