package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.config.HooklineConfig;
import dev.hookline.delivery.CircuitBreaker.Admission;
import dev.hookline.delivery.CircuitBreaker.Call;
import dev.hookline.domain.TimeSource;
import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.CircuitState;
import dev.hookline.queue.CircuitStore;
import dev.hookline.testing.Await;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two workers' breakers sharing one real Redis, each with its own connection and local view:
 * what they count, when they learn of each other's transitions, and what closes a circuit.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class CircuitBreakerTest {
  private static final String ORIGIN = "https://crm.example.com";
  /** Threshold 3 at 50 % over a minute; a 1 s cool-down doubling up to 2 s. */
  private static final HooklineConfig.Circuit RULE = new HooklineConfig.Circuit(3, 50, 60, 1, 2);

  private final List<Redis> clients = new ArrayList<>();
  private String prefix;
  private CircuitStore store;
  private CircuitBreaker a;
  private CircuitBreaker b;

  @BeforeEach
  void setUp(Vertx vertx) {
    prefix = "hltest-breaker-" + UUID.randomUUID();
    store = new CircuitStore(client(vertx), prefix, RULE);
    a = breaker(vertx, RULE);
    b = breaker(vertx, RULE);
  }

  @AfterEach
  void tearDown() {
    store.clear().await();
    clients.forEach(Redis::close);
  }

  private Redis client(Vertx vertx) {
    Redis redis = Redis.createClient(vertx, TestInfra.REDIS_URL);
    clients.add(redis);
    return redis;
  }

  private CircuitBreaker breaker(Vertx vertx, HooklineConfig.Circuit rule) {
    CircuitBreaker breaker = new CircuitBreaker(new CircuitStore(client(vertx), prefix, rule), rule,
        Duration.ofSeconds(5), HooklineMetrics.standalone(), TimeSource.SYSTEM);
    breaker.refresh().await();
    return breaker;
  }

  private static Call send(CircuitBreaker breaker) {
    Call call = breaker.admit(ORIGIN).await();
    assertThat(call.admission()).isEqualTo(Admission.SEND);
    return call;
  }

  private CircuitState inRedis() {
    return store.refresh(Map.of(), Duration.ofMinutes(1), Duration.ofMinutes(1)).await().states().get(ORIGIN);
  }

  /** Sends and fails calls until the circuit opens; returns how many failed. */
  private static int openIt(CircuitBreaker breaker) {
    int failures = 0;
    while (breaker.gate(ORIGIN) != CircuitBreaker.Gate.OPEN) {
      assertThat(failures).as("failures so far").isLessThan(20);
      breaker.failed(send(breaker)).await();
      failures++;
    }
    return failures;
  }

  @Test
  void aBurstWhoseFailuresComeBackBeforeItsSuccessesIsJudgedAgainstTheWholeBurst() {
    // Two workers put 32 calls each on the wire; every fourth fails, and the failures come back
    // first, reported at once and concurrently, before a single success.
    List<Call> sentByA = new ArrayList<>();
    List<Call> sentByB = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      sentByA.add(send(a));
      sentByB.add(send(b));
    }
    List<Future<Void>> failures = new ArrayList<>();
    for (int i = 3; i < 32; i += 4) {
      failures.add(a.failed(sentByA.get(i)));
      failures.add(b.failed(sentByB.get(i)));
    }
    Future.all(failures).await();

    CircuitState state = inRedis();
    assertThat(state.failures()).isEqualTo(16);
    assertThat(state.calls()).as("every call sent before the latest failure of each worker").isEqualTo(64);
    assertThat(state.open()).isFalse();
    assertThat(a.gate(ORIGIN)).isEqualTo(CircuitBreaker.Gate.CLOSED);
  }

  @Test
  void anOpeningByOneWorkerHoldsTheOtherBackAtItsNextFailureOrRefresh() {
    Call onTheWire = send(b);
    assertThat(openIt(a)).as("b's call was not reported: a judges on its own").isEqualTo(RULE.failureThreshold());
    assertThat(a.admit(ORIGIN).await().admission()).isEqualTo(Admission.WAIT);

    // b has not refreshed: a closed circuit costs it no Redis call, so it does not know yet.
    Call unaware = send(b);
    b.failed(onTheWire).await();
    assertThat(b.admit(ORIGIN).await().admission()).as("the failure's answer told it").isEqualTo(Admission.WAIT);
    b.failed(unaware).await();
    assertThat(inRedis().opens()).as("late failures do not re-open or extend it").isEqualTo(1);
  }

  @Test
  void lateAnswersToSendsFromBeforeItOpenedDoNotCloseIt() {
    Call slowSuccess = send(a);
    assertThat(openIt(a)).as("the call still on the wire weighs as one that did not fail: one more failure")
        .isEqualTo(RULE.failureThreshold() + 1);

    a.answered(slowSuccess).await();

    assertThat(inRedis().open()).isTrue();
    assertThat(a.gate(ORIGIN)).isEqualTo(CircuitBreaker.Gate.OPEN);
  }

  @Test
  void onlyTheProbesAnswerDecidesAndAfterAFailedProbeTheCoolDownDoubles() {
    openIt(a);
    b.refresh().await();
    Await.until("the cool-down to end", Duration.ofSeconds(5), () -> a.gate(ORIGIN) == CircuitBreaker.Gate.PROBE);

    Call probe = a.admit(ORIGIN).await();
    assertThat(probe.admission()).isEqualTo(Admission.PROBE);
    Await.until("b to see the cool-down end", Duration.ofSeconds(5), () -> b.gate(ORIGIN) == CircuitBreaker.Gate.PROBE);
    assertThat(b.admit(ORIGIN).await().admission()).as("one probe at a time").isEqualTo(Admission.WAIT);

    a.failed(probe).await();
    CircuitState reopened = inRedis();
    assertThat(reopened.opens()).isEqualTo(2);
    assertThat(reopened.openUntilMillis() - reopened.updatedMillis()).isEqualTo(2_000);

    Await.until("the doubled cool-down to end", Duration.ofSeconds(5), () -> a.gate(ORIGIN) == CircuitBreaker.Gate.PROBE);
    Call second = a.admit(ORIGIN).await();
    assertThat(second.admission()).isEqualTo(Admission.PROBE);
    a.answered(second).await();
    assertThat(a.gate(ORIGIN)).isEqualTo(CircuitBreaker.Gate.CLOSED);
    assertThat(inRedis().open()).isFalse();
    b.refresh().await();
    assertThat(send(b)).isNotNull();
  }

  @Test
  void whileAProbeIsOutWhatIsHeldBackIsLookedAtAgainAfterACoolDownNotAtTheEndOfTheProbesHold() {
    openIt(a);
    b.refresh().await();
    Await.until("the cool-down to end", Duration.ofSeconds(5), () -> a.gate(ORIGIN) == CircuitBreaker.Gate.PROBE
        && b.gate(ORIGIN) == CircuitBreaker.Gate.PROBE);
    assertThat(a.admit(ORIGIN).await().admission()).isEqualTo(Admission.PROBE);
    assertThat(b.admit(ORIGIN).await().admission()).isEqualTo(Admission.WAIT);

    // The probe is held for 5 s (a lease) in case its sender dies; its answer comes within a send's
    // timeout, so both workers look again after the 1 s cool-down.
    assertThat(a.retryDelay(ORIGIN)).isLessThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(b.retryDelay(ORIGIN)).isLessThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(b.gate(ORIGIN)).as("without asking Redis again meanwhile").isEqualTo(CircuitBreaker.Gate.OPEN);
  }

  @Test
  void afterAProbeClosesItTheWindowStartsEmptyAndOldSendsFailingLateSayNothing() {
    List<Call> onTheWire = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      onTheWire.add(send(b));
    }
    openIt(a);
    Await.until("the cool-down to end", Duration.ofSeconds(5), () -> a.gate(ORIGIN) == CircuitBreaker.Gate.PROBE);
    Call probe = a.admit(ORIGIN).await();
    a.answered(probe).await();
    b.refresh().await();

    // The sends b had on the wire since before the circuit opened time out now, after the close.
    for (Call late : onTheWire) {
      b.failed(late).await();
    }
    CircuitState state = inRedis();
    assertThat(state.open()).as("no instant re-open from stale failures").isFalse();
    assertThat(state.failures()).isZero();
    assertThat(b.admit(ORIGIN).await().admission()).isEqualTo(Admission.SEND);
  }

  @Test
  void successesCountedLocallyReachTheWindowWithTheRefresh() {
    a.failed(send(a)).await();
    for (int i = 0; i < 10; i++) {
      a.answered(send(a)).await();
    }
    assertThat(inRedis().calls()).as("not reported yet: no Redis call per success").isEqualTo(1);

    a.refresh().await();
    assertThat(inRedis().calls()).isEqualTo(11);
    for (int i = 0; i < 3; i++) {
      a.failed(send(a)).await();
    }
    CircuitState state = inRedis();
    assertThat(state.failures()).isEqualTo(4);
    assertThat(state.open()).as("4 of 14").isFalse();
  }

  @Test
  void aHealthyOriginLeavesNothingInRedis() {
    for (int i = 0; i < 100; i++) {
      a.answered(send(a)).await();
    }
    a.refresh().await();

    assertThat(inRedis()).isNull();
  }

  @Test
  void aThresholdOfZeroTurnsTheBreakerOff(Vertx vertx) {
    CircuitBreaker off = breaker(vertx, new HooklineConfig.Circuit(0, 50, 60, 1, 2));
    for (int i = 0; i < 20; i++) {
      off.failed(send(off)).await();
    }
    assertThat(inRedis()).isNull();
    assertThat(off.admit(ORIGIN).await().admission()).isEqualTo(Admission.SEND);
  }
}
