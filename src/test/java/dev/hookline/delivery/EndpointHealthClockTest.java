package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.config.HooklineConfig;
import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.CircuitStore;
import dev.hookline.testing.ManualTime;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A circuit's cool-down on a real Redis, played out by moving the breaker's clock instead of
 * waiting ten minutes: the verdicts reported, the rooms the claim gets, the retry delay.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class EndpointHealthClockTest {
  private static final String ORIGIN = "https://crm.example.com";
  private static final Duration COOL_DOWN = Duration.ofMinutes(10);

  private final ManualTime time = new ManualTime();
  private Redis redis;
  private CircuitStore store;
  private EndpointHealth health;

  @BeforeEach
  void setUp(Vertx vertx) {
    redis = Redis.createClient(vertx, TestInfra.REDIS_URL);
    store = new CircuitStore(redis, "hltest-health-" + UUID.randomUUID());
    CircuitBreaker circuits = new CircuitBreaker(store,
        new HooklineConfig.Circuit(2, COOL_DOWN.toSeconds(), COOL_DOWN.toSeconds()), Duration.ofMinutes(1),
        HooklineMetrics.standalone(), time);
    circuits.refresh().await();
    health = new EndpointHealth(circuits, 4);
  }

  @AfterEach
  void tearDown() {
    store.clear().await();
    redis.close();
  }

  @Test
  void onlyTransientVerdictsOpenTheCircuitAndItsCoolDownRunsOnTheInjectedClock() {
    health.report(ORIGIN, Verdict.TRANSIENT, false).await();
    health.report(ORIGIN, Verdict.PERMANENT, false).await();
    health.report(ORIGIN, Verdict.TRANSIENT, false).await();
    assertThat(health.rooms().limited()).as("a permanent answer is an answer: it reset the count")
        .doesNotContainKey(ORIGIN);

    health.report(ORIGIN, Verdict.TRANSIENT, false).await();
    assertThat(health.rooms().limited()).as("two transient failures in a row open it").containsEntry(ORIGIN, 0);
    // The local estimate of the Redis clock may be off by a round trip either way.
    assertThat(health.retryDelay(ORIGIN)).isBetween(COOL_DOWN.minusSeconds(30), COOL_DOWN.plusSeconds(1));
    assertThat(health.admit(ORIGIN).await()).isEqualTo(CircuitBreaker.Admission.WAIT);

    time.advance(COOL_DOWN.minusMinutes(4));
    assertThat(health.rooms().limited()).as("still cooling down").containsEntry(ORIGIN, 0);
    assertThat(health.retryDelay(ORIGIN)).isBetween(Duration.ofMinutes(4).minusSeconds(30), Duration.ofMinutes(4).plusSeconds(1));

    time.advance(Duration.ofMinutes(5));
    assertThat(health.rooms().limited()).as("cooled down: room for the one probe").containsEntry(ORIGIN, 1);
  }

  @Test
  void aSuccessfulProbeClosesTheCircuit() {
    health.report(ORIGIN, Verdict.TRANSIENT, false).await();
    health.report(ORIGIN, Verdict.TRANSIENT, false).await();
    assertThat(health.rooms().limited()).containsEntry(ORIGIN, 0);

    health.report(ORIGIN, Verdict.SUCCESS, true).await();
    assertThat(health.rooms().limited()).doesNotContainKey(ORIGIN);
    assertThat(health.admit(ORIGIN).await()).isEqualTo(CircuitBreaker.Admission.SEND);
  }
}
