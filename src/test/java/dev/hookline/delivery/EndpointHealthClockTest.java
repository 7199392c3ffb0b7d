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
 * waiting ten minutes: the verdicts reported, the rooms the claim gets, the retry delay. (The
 * probe and what closes a circuit are in {@link CircuitBreakerTest}.)
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
    // Threshold 2 at 50 %: 2 of 2, 3 of 4, 4 of 6 calls open it.
    HooklineConfig.Circuit rule = new HooklineConfig.Circuit(2, 50, 60, COOL_DOWN.toSeconds(), COOL_DOWN.toSeconds());
    store = new CircuitStore(redis, "hltest-health-" + UUID.randomUUID(), rule);
    CircuitBreaker circuits = new CircuitBreaker(store, rule, Duration.ofMinutes(1), HooklineMetrics.standalone(), time);
    circuits.refresh().await();
    health = new EndpointHealth(circuits, 4);
  }

  @AfterEach
  void tearDown() {
    store.clear().await();
    redis.close();
  }

  /** Sends one call to the origin and reports {@code verdict} for it. */
  private void call(Verdict verdict) {
    CircuitBreaker.Call call = health.admit(ORIGIN).await();
    assertThat(call.admission()).isEqualTo(CircuitBreaker.Admission.SEND);
    health.report(call, verdict).await();
  }

  @Test
  void onlyTransientVerdictsCountAgainstTheOriginAndItsCoolDownRunsOnTheInjectedClock() {
    call(Verdict.TRANSIENT);
    call(Verdict.PERMANENT);
    call(Verdict.TRANSIENT);
    assertThat(health.rooms().limited()).as("a permanent answer is an answer: 2 failures of 3 calls")
        .doesNotContainKey(ORIGIN);

    call(Verdict.TRANSIENT);
    assertThat(health.rooms().limited()).as("3 of 4: one failure beyond the threshold, of 2 calls beyond it")
        .containsEntry(ORIGIN, 0);
    // The local estimate of the Redis clock may be off by a round trip either way.
    assertThat(health.retryDelay(ORIGIN)).isBetween(COOL_DOWN.minusSeconds(30), COOL_DOWN.plusSeconds(1));
    assertThat(health.admit(ORIGIN).await().admission()).isEqualTo(CircuitBreaker.Admission.WAIT);

    time.advance(COOL_DOWN.minusMinutes(4));
    assertThat(health.rooms().limited()).as("still cooling down").containsEntry(ORIGIN, 0);
    assertThat(health.retryDelay(ORIGIN)).isBetween(Duration.ofMinutes(4).minusSeconds(30), Duration.ofMinutes(4).plusSeconds(1));

    time.advance(Duration.ofMinutes(5));
    assertThat(health.rooms().limited()).as("cooled down: room for the one probe").containsEntry(ORIGIN, 1);
  }
}
