package dev.hookline.queue;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The shared circuit state on a real Redis, seen by two workers each with its own connection. */
@ExtendWith(VertxExtension.class)
class CircuitStoreTest {
  private static final String ORIGIN = "https://crm.example.com";
  private static final Duration COOL = Duration.ofMillis(400);
  private static final Duration CAP = Duration.ofMillis(1_000);
  private static final Duration A_WHILE = Duration.ofMinutes(1);

  private Redis redisA;
  private Redis redisB;
  private CircuitStore a;
  private CircuitStore b;

  @BeforeEach
  void setUp(Vertx vertx) {
    String prefix = "hltest-circuit-" + UUID.randomUUID();
    redisA = Redis.createClient(vertx, TestInfra.REDIS_URL);
    redisB = Redis.createClient(vertx, TestInfra.REDIS_URL);
    a = new CircuitStore(redisA, prefix);
    b = new CircuitStore(redisB, prefix);
  }

  @AfterEach
  void tearDown() {
    a.clear().await();
    redisA.close();
    redisB.close();
  }

  private CircuitState fail(CircuitStore store, boolean probe) {
    return store.failure(ORIGIN, 3, COOL, CAP, probe).await().state();
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
    return store.snapshot(A_WHILE).await().states().get(ORIGIN);
  }

  @Test
  void onlyTheFailureThatOpensItAndAFailedProbeSayTheyOpenedIt() {
    assertThat(a.failure(ORIGIN, 2, COOL, CAP, false).await().opened()).isFalse();
    assertThat(b.failure(ORIGIN, 2, COOL, CAP, false).await().opened()).isTrue();
    assertThat(a.failure(ORIGIN, 2, COOL, CAP, false).await().opened()).as("a late failure").isFalse();
    assertThat(a.failure(ORIGIN, 2, COOL, CAP, true).await().opened()).as("a failed probe").isTrue();
  }

  @Test
  void failuresFromAllWorkersCountTowardOneThreshold() {
    assertThat(fail(a, false).open()).isFalse();
    assertThat(fail(b, false).open()).isFalse();
    CircuitState third = fail(a, false);

    assertThat(third.open()).isTrue();
    assertThat(third.openUntilMillis() - third.redisNowMillis()).isBetween(COOL.toMillis() - 5, COOL.toMillis());
    assertThat(seenBy(b).open()).as("the other worker sees it open").isTrue();
  }

  @Test
  void anAnswerInBetweenResetsTheCount() {
    fail(a, false);
    fail(b, false);
    assertThat(b.success(ORIGIN).await()).isTrue();

    assertThat(fail(a, false).open()).isFalse();
    assertThat(seenBy(a).failures()).isEqualTo(1);
  }

  @Test
  void lateFailuresOfSendsStartedBeforeItOpenedDoNotExtendIt() {
    fail(a, false);
    fail(a, false);
    CircuitState opened = fail(a, false);

    CircuitState late = fail(b, false);

    assertThat(late.openUntilMillis()).isEqualTo(opened.openUntilMillis());
    assertThat(late.opens()).isEqualTo(1);
  }

  @Test
  void exactlyOneWorkerWinsTheProbeOnceTheCoolDownIsOver() {
    CircuitState opened = null;
    for (int i = 0; i < 3; i++) {
      opened = fail(a, false);
    }
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
    CircuitState opened = null;
    for (int i = 0; i < 3; i++) {
      opened = fail(a, false);
    }
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
  void eachFailedProbeDoublesTheCoolDownUpToTheCapAndASuccessClosesIt() {
    for (int i = 0; i < 3; i++) {
      fail(a, false);
    }
    CircuitState second = fail(a, true);
    CircuitState third = fail(b, true);
    CircuitState fourth = fail(a, true);

    assertThat(second.opens()).isEqualTo(2);
    assertThat(second.openUntilMillis() - second.redisNowMillis()).isBetween(795L, 800L);
    assertThat(third.openUntilMillis() - third.redisNowMillis()).as("1.6 s capped").isBetween(995L, 1_000L);
    assertThat(fourth.openUntilMillis() - fourth.redisNowMillis()).isBetween(995L, 1_000L);

    assertThat(b.success(ORIGIN).await()).isTrue();
    assertThat(seenBy(a)).as("closed").isNull();
    CircuitStore.ProbeGrant closed = a.tryProbe(ORIGIN, A_WHILE).await();
    assertThat(closed.granted()).as("a closed circuit lets every send go").isTrue();
    assertThat(closed.asProbe()).isFalse();
  }

  @Test
  void recordsNothingHasTouchedForAWhileAreForgottenButAnOpenCircuitOnlyAfterItsCoolDown() {
    CircuitState failed = fail(a, false);
    assertThat(a.snapshot(Duration.ofMillis(50)).await().states()).containsKey(ORIGIN);
    awaitRedisClockPast(failed.updatedMillis() + 50);

    assertThat(a.snapshot(Duration.ofMillis(50)).await().states()).as("a few old failures").isEmpty();
    CircuitState opened = null;
    for (int i = 0; i < 3; i++) {
      opened = fail(a, false);
    }
    awaitRedisClockPast(opened.updatedMillis() + 50);
    assertThat(opened.openUntilMillis() - opened.updatedMillis()).as("cooling down well past that").isEqualTo(COOL.toMillis());
    assertThat(a.snapshot(Duration.ofMillis(50)).await().states()).as("still cooling down").containsKey(ORIGIN);

    awaitRedisClockPast(opened.openUntilMillis() + 50);
    assertThat(a.snapshot(Duration.ofMillis(50)).await().states()).as("nothing left to probe it").isEmpty();
  }

  @Test
  void theStateSaysWhenItLastChanged() {
    CircuitState opened = fail(a, false);
    for (int i = 0; i < 2; i++) {
      opened = fail(a, false);
    }
    CircuitState probeFailed = fail(b, true);

    CircuitState seen = seenBy(a);
    assertThat(seen.updatedMillis()).isEqualTo(probeFailed.updatedMillis());
    assertThat(seen.openUntilMillis() - seen.updatedMillis()).as("0.4 s doubled").isEqualTo(800);
    assertThat(opened.updatedMillis()).isLessThanOrEqualTo(seen.updatedMillis());
  }
}
