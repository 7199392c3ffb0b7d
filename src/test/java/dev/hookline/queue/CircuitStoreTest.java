package dev.hookline.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.config.HooklineConfig;
import dev.hookline.queue.CircuitStore.Counts;
import dev.hookline.testing.Await;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
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

/** The shared circuit state on a real Redis, seen by two workers each with its own connection. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class CircuitStoreTest {
  private static final String ORIGIN = "https://crm.example.com";
  /** Threshold 3, rate 50 %, a one-minute window, cool-down 0.4 s doubling up to 1 s. */
  private static final HooklineConfig.Circuit RULE = new HooklineConfig.Circuit(3, 50, 60, 0.4, 1);
  private static final Duration A_WHILE = Duration.ofMinutes(1);
  private static final int MAX_FAILURES = 120;

  private String prefix;
  private Redis redisA;
  private Redis redisB;
  private CircuitStore a;
  private CircuitStore b;

  @BeforeEach
  void setUp(Vertx vertx) {
    prefix = "hltest-circuit-" + UUID.randomUUID();
    redisA = Redis.createClient(vertx, TestInfra.REDIS_URL);
    redisB = Redis.createClient(vertx, TestInfra.REDIS_URL);
    a = store(redisA, RULE);
    b = store(redisB, RULE);
  }

  @AfterEach
  void tearDown() {
    a.clear().await();
    redisA.close();
    redisB.close();
  }

  /** Another worker's view of the same key, judging by {@code rule}. */
  private CircuitStore store(Redis redis, HooklineConfig.Circuit rule) {
    return new CircuitStore(redis, prefix, rule);
  }

  /** A failure of a call started just now, with nothing else reported. */
  private CircuitState fail(CircuitStore store, boolean probe) {
    return store.failure(ORIGIN, Counts.NONE, redisNowMillis(), probe).await().state();
  }

  /** Redis's clock, which the scripts decide by (not this JVM's). */
  private long redisNowMillis() {
    Response time = redisA.send(Request.cmd(Command.TIME)).await();
    return time.get(0).toLong() * 1_000 + time.get(1).toLong() / 1_000;
  }

  /** Waits until Redis's clock has passed {@code millis}: a cool-down, lease or age is over by the scripts' reckoning. */
  private void awaitRedisClockPast(long millis) {
    Await.until("Redis's clock to pass " + millis, Duration.ofSeconds(5), () -> redisNowMillis() > millis);
  }

  private CircuitState seenBy(CircuitStore store) {
    return snapshot(store).get(ORIGIN);
  }

  private static Map<String, CircuitState> snapshot(CircuitStore store) {
    return store.refresh(Map.of(), A_WHILE, A_WHILE).await().states();
  }

  private CircuitState open(CircuitStore store) {
    CircuitState opened = null;
    for (int i = 0; i < RULE.failureThreshold(); i++) {
      opened = fail(store, false);
    }
    assertThat(opened.open()).isTrue();
    return opened;
  }

  @Test
  void failuresFromAllWorkersCountTowardOneWindow() {
    assertThat(fail(a, false).open()).isFalse();
    assertThat(fail(b, false).open()).isFalse();
    CircuitStore.Failure third = a.failure(ORIGIN, Counts.NONE, redisNowMillis(), false).await();

    assertThat(third.opened()).isTrue();
    assertThat(third.state().failures()).as("what opened it").isEqualTo(3);
    assertThat(third.state().openUntilMillis() - third.state().redisNowMillis()).isEqualTo(400);
    assertThat(seenBy(b).open()).as("the other worker sees it open").isTrue();
    assertThat(seenBy(b).failures()).as("an open circuit's window is empty").isZero();
  }

  @Test
  void successesNoLongerResetTheCountTheyWeighAgainstIt() {
    fail(a, false);
    fail(a, false);
    // Another worker saw two calls succeed: at 50 % beyond the threshold of 3, the third failure is not enough.
    b.refresh(Map.of(ORIGIN, new Counts(2, 2)), A_WHILE, A_WHILE).await();
    CircuitState third = fail(a, false);
    assertThat(third.open()).isFalse();
    assertThat(third.failures()).isEqualTo(3);
    assertThat(third.calls()).isEqualTo(5);

    assertThat(fail(a, false).open()).as("4 of 6: 1 beyond the threshold, of 3 calls beyond it").isFalse();
    CircuitState fifth = fail(b, false);
    assertThat(fifth.open()).as("5 of 7: 2 beyond the threshold, of 4 calls beyond it").isTrue();
  }

  @Test
  void callsStartedButUnansweredWeighAsMuchAsAnsweredOnes() {
    // A burst of 20 sent; the first answers back are three failures, each reported with the starts up to it.
    assertThat(a.failure(ORIGIN, new Counts(18, 0), redisNowMillis(), false).await().state().calls()).isEqualTo(18);
    fail(a, false);
    CircuitState third = fail(a, false);

    assertThat(third.failures()).isEqualTo(3);
    assertThat(third.calls()).as("max(started, answered)").isEqualTo(18);
    assertThat(third.open()).isFalse();
  }

  @Test
  void theScriptAppliesTheRuleAsCircuitRuleStatesIt() {
    int origins = 0;
    for (int threshold : new int[] {1, 3, 10}) {
      for (int rate : new int[] {1, 50, 75, 100}) {
        CircuitStore store = store(redisA, new HooklineConfig.Circuit(threshold, rate, 60, 60, 60));
        for (int succeeded : new int[] {0, 1, 5, 20}) {
          for (int startedFirst : new int[] {0, 40}) {
            String origin = "https://parity-" + origins++ + ".example.com";
            long now = redisNowMillis();
            // The first failure carries the starts and successes; the rest come alone.
            int opensAt = -1;
            for (int failures = 1; opensAt < 0 && failures <= MAX_FAILURES; failures++) {
              Counts counts = failures == 1 ? new Counts(startedFirst, succeeded) : Counts.NONE;
              if (store.failure(origin, counts, now, false).await().opened()) {
                opensAt = failures;
              }
            }
            int expected = -1;
            for (int failures = 1; expected < 0 && failures <= MAX_FAILURES; failures++) {
              if (CircuitRule.opens(failures, Math.max(startedFirst, failures + succeeded), threshold, rate)) {
                expected = failures;
              }
            }
            assertThat(opensAt).as("failures that open it at threshold %d, rate %d %%, %d successes, %d started"
                + " (-1: none of %d)", threshold, rate, succeeded, startedFirst, MAX_FAILURES).isEqualTo(expected);
          }
        }
      }
    }
  }

  @Test
  void failuresThatLeftTheWindowNoLongerCount() {
    // A one-second window: ten buckets of 100 ms.
    CircuitStore store = store(redisA, new HooklineConfig.Circuit(2, 50, 1, 0.4, 1));
    CircuitState first = store.failure(ORIGIN, Counts.NONE, redisNowMillis(), false).await().state();
    assertThat(first.failures()).isEqualTo(1);
    awaitRedisClockPast(first.updatedMillis() + 1_000);

    CircuitState second = store.failure(ORIGIN, Counts.NONE, redisNowMillis(), false).await().state();
    assertThat(second.open()).as("the first failure has left the window").isFalse();
    assertThat(second.failures()).isEqualTo(1);
    assertThat(store.failure(ORIGIN, Counts.NONE, redisNowMillis(), false).await().state().open()).isTrue();
  }

  @Test
  void countsReachOnlyClosedCircuitsThatAlreadyHaveAWindow() {
    a.refresh(Map.of(ORIGIN, new Counts(50, 50)), A_WHILE, A_WHILE).await();
    assertThat(seenBy(a)).as("no failure, no record").isNull();

    fail(a, false);
    b.refresh(Map.of(ORIGIN, new Counts(50, 50)), A_WHILE, A_WHILE).await();
    assertThat(seenBy(a).calls()).isEqualTo(51);

    fail(b, false);
    fail(b, false);
    b.refresh(Map.of(ORIGIN, new Counts(50, 50)), A_WHILE, A_WHILE).await();
    assertThat(fail(a, false).open()).as("4 of 104: nowhere near").isFalse();
  }

  @Test
  void lateFailuresOfSendsStartedBeforeItOpenedDoNotExtendIt() {
    CircuitState opened = open(a);

    CircuitStore.Failure late = b.failure(ORIGIN, new Counts(5, 5), redisNowMillis(), false).await();

    assertThat(late.opened()).isFalse();
    assertThat(late.state().openUntilMillis()).isEqualTo(opened.openUntilMillis());
    assertThat(late.state().opens()).isEqualTo(1);
    assertThat(late.state().failures()).as("nothing is counted while it is open").isZero();
  }

  @Test
  void afterAProbeClosesItFailuresOfSendsFromBeforeTheCloseAreNotCounted() {
    long sentBeforeItOpened = redisNowMillis();
    CircuitState opened = open(a);
    awaitRedisClockPast(opened.openUntilMillis());
    assertThat(a.tryProbe(ORIGIN, A_WHILE).await().asProbe()).isTrue();
    assertThat(a.close(ORIGIN).await()).as("the probe's answer closes it").isTrue();
    assertThat(b.close(ORIGIN).await()).as("already closed").isFalse();

    for (int i = 0; i < 2 * RULE.failureThreshold(); i++) {
      CircuitState late = b.failure(ORIGIN, Counts.NONE, sentBeforeItOpened, false).await().state();
      assertThat(late.open()).as("a late timeout from before it opened").isFalse();
      assertThat(late.failures()).isZero();
    }
    assertThat(fail(a, false).failures()).as("a send after the close counts").isEqualTo(1);
  }

  @Test
  void exactlyOneWorkerWinsTheProbeOnceTheCoolDownIsOver() {
    CircuitState opened = open(a);
    assertThat(a.tryProbe(ORIGIN, A_WHILE).await().granted()).as("still cooling down").isFalse();
    awaitRedisClockPast(opened.openUntilMillis());

    List<Future<CircuitStore.ProbeGrant>> asks = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      asks.add((i % 2 == 0 ? a : b).tryProbe(ORIGIN, A_WHILE));
    }
    List<CircuitStore.ProbeGrant> grants = Future.all(asks).await().list();
    assertThat(grants).filteredOn(CircuitStore.ProbeGrant::granted).hasSize(1)
        .allSatisfy(grant -> assertThat(grant.asProbe()).isTrue());
  }

  @Test
  void aLostProbeIsPresumedGoneAfterItsLease() {
    CircuitState opened = open(a);
    awaitRedisClockPast(opened.openUntilMillis());
    // Long enough that b's ask surely falls inside it on a loaded machine (100 ms did not always).
    Duration probeLease = Duration.ofMillis(500);
    CircuitStore.ProbeGrant probe = a.tryProbe(ORIGIN, probeLease).await();
    assertThat(probe.granted()).isTrue();
    assertThat(b.tryProbe(ORIGIN, probeLease).await().granted()).isFalse();

    awaitRedisClockPast(probe.redisNowMillis() + probeLease.toMillis());
    assertThat(b.tryProbe(ORIGIN, probeLease).await().granted()).isTrue();
  }

  @Test
  void eachFailedProbeDoublesTheCoolDownUpToTheCapAndItsAnswerClosesIt() {
    open(a);
    CircuitState second = fail(a, true);
    CircuitState third = fail(b, true);
    CircuitState fourth = fail(a, true);

    assertThat(second.opens()).isEqualTo(2);
    assertThat(second.openUntilMillis() - second.redisNowMillis()).isEqualTo(800L);
    assertThat(third.openUntilMillis() - third.redisNowMillis()).as("1.6 s capped").isEqualTo(1_000L);
    assertThat(fourth.openUntilMillis() - fourth.redisNowMillis()).isEqualTo(1_000L);

    assertThat(b.close(ORIGIN).await()).isTrue();
    CircuitState closed = seenBy(a);
    assertThat(closed.open()).as("closed").isFalse();
    assertThat(closed.failures()).as("its window starts empty").isZero();
    CircuitStore.ProbeGrant grant = a.tryProbe(ORIGIN, A_WHILE).await();
    assertThat(grant.granted()).as("a closed circuit lets every send go").isTrue();
    assertThat(grant.asProbe()).isFalse();
  }

  @Test
  void aClosedRecordIsForgottenOnceItsWindowHoldsNoFailureAndAnOpenOneLongAfterItsCoolDown() {
    // A one-second window: once the failure has left it, nothing is left to weigh.
    CircuitStore shortWindow = store(redisA, new HooklineConfig.Circuit(3, 50, 1, 0.4, 1));
    CircuitState failed = shortWindow.failure(ORIGIN, Counts.NONE, redisNowMillis(), false).await().state();
    Duration keep = Duration.ofMillis(50);
    assertThat(shortWindow.refresh(Map.of(), keep, keep).await().states()).containsKey(ORIGIN);
    awaitRedisClockPast(failed.updatedMillis() + 1_000);
    assertThat(shortWindow.refresh(Map.of(), keep, keep).await().states()).as("its failure left the window").isEmpty();

    CircuitState opened = open(a);
    awaitRedisClockPast(opened.updatedMillis() + 50);
    assertThat(opened.openUntilMillis() - opened.updatedMillis()).as("cooling down well past that").isEqualTo(400);
    assertThat(a.refresh(Map.of(), keep, keep).await().states()).as("still cooling down").containsKey(ORIGIN);
    awaitRedisClockPast(opened.openUntilMillis() + 50);
    assertThat(a.refresh(Map.of(), keep, keep).await().states()).as("nothing left to probe it").isEmpty();
  }

  @Test
  void aJustClosedRecordIsKeptToRecogniseLateFailures() {
    CircuitState opened = open(a);
    awaitRedisClockPast(opened.openUntilMillis());
    a.tryProbe(ORIGIN, A_WHILE).await();
    a.close(ORIGIN).await();
    long closedAt = redisNowMillis();

    Duration keep = Duration.ofMillis(300);
    assertThat(a.refresh(Map.of(), keep, A_WHILE).await().states()).as("just closed").containsKey(ORIGIN);
    awaitRedisClockPast(closedAt + keep.toMillis());
    assertThat(a.refresh(Map.of(), keep, A_WHILE).await().states()).as("kept long enough").isEmpty();
  }

  @Test
  void theStateSaysWhenItLastChanged() {
    CircuitState opened = open(a);
    CircuitState probeFailed = fail(b, true);

    CircuitState seen = seenBy(a);
    assertThat(seen.updatedMillis()).isEqualTo(probeFailed.updatedMillis());
    assertThat(seen.openUntilMillis() - seen.updatedMillis()).as("0.4 s doubled").isEqualTo(800);
    assertThat(opened.updatedMillis()).isLessThanOrEqualTo(seen.updatedMillis());
  }
}
