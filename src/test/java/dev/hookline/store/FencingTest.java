package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.domain.AttemptLog;
import dev.hookline.domain.AttemptOutcome;
import dev.hookline.domain.ChangeResult;
import dev.hookline.domain.ClaimResult;
import dev.hookline.domain.ClaimedDelivery;
import dev.hookline.domain.DueRef;
import dev.hookline.domain.HeldDelivery;
import dev.hookline.domain.NewDelivery;
import dev.hookline.domain.OriginRooms;
import dev.hookline.domain.OutcomeWrite;
import dev.hookline.domain.OverduePage;
import dev.hookline.domain.RecordResult;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Claims and fenced outcome writes against a real Postgres, with two workers racing for one row. */
@ExtendWith(VertxExtension.class)
class FencingTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final Duration LEASE = Duration.ofSeconds(60);
  private static final int MAX_UNRECORDED = 3;
  private static final OriginRooms ANY_ROOM = new OriginRooms(Map.of(), 1_000);
  private static final long TOKEN = 42;
  private static final AttemptLog LOG = new AttemptLog(Instant.now(), 12, null, null, null, null, null, null);

  private TestInfra infra;
  private Pool pool;
  private DeliveryRepository repository;

  @BeforeEach
  void setUp(Vertx vertx) {
    infra = DATABASE.infra();
    pool = PostgresPool.create(vertx, PgConnectOptions.fromUri(infra.postgresUrl()), 4);
    repository = new DeliveryRepository(pool, MAX_UNRECORDED);
  }

  @AfterEach
  void tearDown() {
    pool.close().await();
  }

  private long newDelivery() {
    return newDeliveryFor(9);
  }

  private long newDeliveryFor(long run) {
    return create(new NewDelivery(7, run, "node-1", "hook", "https://r.example.com/", "POST", "{}", List.of(), null, 5));
  }

  private long create(NewDelivery delivery) {
    return repository.createAll(List.of(delivery)).await().get(0).result().id();
  }

  /** One fenced outcome write: the new due time, or empty when the fence did not match. */
  private Optional<Instant> record(long id, int attempt, AttemptOutcome outcome) {
    return Optional.ofNullable(write(id, attempt, outcome).dueAt());
  }

  private RecordResult write(long id, int attempt, AttemptOutcome outcome) {
    return repository.recordOutcomes(List.of(new OutcomeWrite(id, attempt, outcome, LOG))).await().get(0);
  }

  private void expireLease(long id) {
    infra.sql("UPDATE webhook_deliveries SET leased_until = now() - interval '1 second' WHERE id = ?", id);
  }

  @Test
  void aClaimCountsTheAttemptAndLeasesTheRow() {
    long id = newDelivery();

    ClaimResult first = repository.claim(List.of(id), LEASE, ANY_ROOM, TOKEN).await();
    ClaimResult second = repository.claim(List.of(id), LEASE, ANY_ROOM, TOKEN).await();

    assertThat(first.claimed()).singleElement().satisfies(c -> assertThat(c.attempt()).isEqualTo(1));
    assertThat(second.claimed()).as("leased rows cannot be claimed again").isEmpty();
    assertThat(second.stillPending()).extracting(DueRef::id).containsExactly(id);
    List<Object> row = infra.sql("SELECT attempt_count, extract(epoch from leased_until - now()), scheduled_for <= now()"
        + " FROM webhook_deliveries").get(0);
    assertThat(row.get(0)).isEqualTo(1);
    assertThat(((Number) row.get(1)).doubleValue()).isBetween(55.0, 61.0);
    assertThat(row.get(2)).as("the lease leaves the indexed due time alone").isEqualTo(true);
    assertThat(second.stillPending()).as("put back at the lease's end")
        .allSatisfy(ref -> assertThat(ref.dueAtMillis()).isGreaterThan(System.currentTimeMillis() + 50_000));
  }

  @Test
  void aStaleWorkerCannotOverwriteTheNewerOutcome() {
    long id = newDelivery();
    ClaimedDelivery stale = repository.claim(List.of(id), LEASE, ANY_ROOM, TOKEN).await().claimed().get(0);
    expireLease(id);
    ClaimedDelivery fresh = repository.claim(List.of(id), LEASE, ANY_ROOM, TOKEN).await().claimed().get(0);
    assertThat(fresh.attempt()).isEqualTo(2);

    assertThat(record(id, fresh.attempt(), AttemptOutcome.succeeded(200))).isPresent();
    assertThat(record(id, stale.attempt(), AttemptOutcome.deadLetter(500, "HTTP 500")))
        .isEmpty();
    assertThat(record(id, stale.attempt(),
        AttemptOutcome.retry(503, "HTTP 503", Duration.ofSeconds(1)))).isEmpty();

    assertThat(infra.sql("SELECT status, attempt_count, last_status_code, last_error FROM webhook_deliveries").get(0))
        .containsExactly("succeeded", 2, 200, null);
    assertThat(infra.sql("SELECT attempt, outcome, status_code FROM webhook_delivery_attempts ORDER BY attempt"))
        .as("the stale attempt is logged once, as cancelled").containsExactly(List.of(1, "cancelled", 500),
            List.of(2, "succeeded", 200));
  }

  @Test
  void aStaleWorkerFinishingFirstIsFencedOutTooAndTheNewerAttemptStillRecords() {
    long id = newDelivery();
    ClaimedDelivery stale = repository.claim(List.of(id), LEASE, ANY_ROOM, TOKEN).await().claimed().get(0);
    expireLease(id);
    ClaimedDelivery fresh = repository.claim(List.of(id), LEASE, ANY_ROOM, TOKEN).await().claimed().get(0);

    assertThat(record(id, stale.attempt(), AttemptOutcome.succeeded(200))).isEmpty();
    assertThat(infra.sql("SELECT status FROM webhook_deliveries").get(0)).containsExactly("pending");
    assertThat(record(id, fresh.attempt(), AttemptOutcome.deadLetter(404, "HTTP 404")))
        .isPresent();
    assertThat(infra.sql("SELECT status, attempt_count, last_status_code FROM webhook_deliveries").get(0))
        .containsExactly("dead_letter", 2, 404);
  }

  @Test
  @Timeout(60)
  void anAttemptFencedOutByANewerOneIsLoggedAsCancelledAndTheRowIsLeftToTheNewerOne() {
    long id = newDelivery();
    ClaimedDelivery stale = claimOne(id);
    expireLease(id);
    claimOne(id);
    List<Object> before = infra.sql("SELECT status, attempt_count, recorded_attempts, last_status_code, last_error,"
        + " scheduled_for, updated_at FROM webhook_deliveries").get(0);
    AttemptLog answered = new AttemptLog(Instant.parse("2030-01-02T03:04:05Z"), 321, 200, null, null, "ok, got it",
        "text/plain", null);

    RecordResult result = repository.recordOutcomes(List.of(new OutcomeWrite(id, stale.attempt(),
        AttemptOutcome.succeeded(200), answered))).await().get(0);

    assertThat(result).isEqualTo(RecordResult.cancelled("pending", 2, 0));
    assertThat(result.cancelledByOperator(stale.attempt())).isFalse();
    assertThat(infra.sql("SELECT status, attempt_count, recorded_attempts, last_status_code, last_error,"
        + " scheduled_for, updated_at FROM webhook_deliveries").get(0)).as("the row is untouched").isEqualTo(before);
    assertThat(infra.sql("SELECT attempt, outcome, status_code, duration_ms, response_body, response_content_type,"
        + " extract(epoch FROM started_at)::bigint FROM webhook_delivery_attempts")).containsExactly(
        List.of(1, "cancelled", 200, 321, "ok, got it", "text/plain", Instant.parse("2030-01-02T03:04:05Z").getEpochSecond()));

    assertThat(write(id, stale.attempt(), AttemptOutcome.succeeded(200))).as("written again")
        .isEqualTo(RecordResult.neither());
    assertThat(infra.sql("SELECT count(*) FROM webhook_delivery_attempts").get(0).get(0)).as("logged once").isEqualTo(1L);
  }

  @Test
  @Timeout(60)
  void anAttemptInFlightWhenAnOperatorCancelsTheDeliveryIsLoggedAsCancelled() {
    long id = newDelivery();
    ClaimedDelivery inFlight = claimOne(id);
    UUID uuid = (UUID) infra.sql("SELECT delivery_uuid FROM webhook_deliveries").get(0).get(0);
    assertThat(new OperatorRepository(pool).cancel(uuid).await().result().kind()).isEqualTo(ChangeResult.Kind.DONE);

    RecordResult result = write(id, inFlight.attempt(), AttemptOutcome.retry(503, "HTTP 503", Duration.ZERO));

    assertThat(result).isEqualTo(RecordResult.cancelled("cancelled", 1, 0));
    assertThat(result.cancelledByOperator(inFlight.attempt())).isTrue();
    assertThat(infra.sql("SELECT status, attempt_count, recorded_attempts, last_status_code FROM webhook_deliveries")
        .get(0)).containsExactly("cancelled", 1, 0, null);
    assertThat(infra.sql("SELECT attempt, outcome, status_code FROM webhook_delivery_attempts"))
        .containsExactly(List.of(1, "cancelled", 503));
  }

  @Test
  @Timeout(60)
  void aRowRetentionDeletedGetsNoLogRowFromALateWrite() {
    long id = newDelivery();
    ClaimedDelivery claimed = claimOne(id);
    infra.sql("DELETE FROM webhook_deliveries");

    assertThat(write(id, claimed.attempt(), AttemptOutcome.succeeded(200))).isEqualTo(RecordResult.neither());
    assertThat(infra.sql("SELECT count(*) FROM webhook_delivery_attempts").get(0).get(0)).isEqualTo(0L);
  }

  @Test
  void aFinalRowIsNeverClaimedOrRewritten() {
    long id = newDelivery();
    ClaimedDelivery claimed = repository.claim(List.of(id), LEASE, ANY_ROOM, TOKEN).await().claimed().get(0);
    record(id, claimed.attempt(), AttemptOutcome.succeeded(201));
    infra.sql("UPDATE webhook_deliveries SET scheduled_for = now() - interval '1 hour'");

    ClaimResult again = repository.claim(List.of(id), LEASE, ANY_ROOM, TOKEN).await();

    assertThat(again.claimed()).isEmpty();
    assertThat(again.stillPending()).isEmpty();
    assertThat(record(id, claimed.attempt(), AttemptOutcome.deadLetter(500, "x"))).isEmpty();
    assertThat(infra.sql("SELECT status, attempt_count FROM webhook_deliveries").get(0)).containsExactly("succeeded", 1);
  }

  private ClaimedDelivery claimOne(long id) {
    return repository.claim(List.of(id), LEASE, ANY_ROOM, TOKEN).await().claimed().get(0);
  }

  @Test
  void aFinalAttemptWhoseOutcomeWasNeverRecordedIsClaimedAgainAndCanStillSucceed() {
    long id = newDelivery();
    for (int attempt = 1; attempt <= 4; attempt++) {
      ClaimedDelivery claimed = claimOne(id);
      assertThat(record(id, claimed.attempt(), AttemptOutcome.retry(503, "HTTP 503", Duration.ZERO))).isPresent();
    }
    ClaimedDelivery last = claimOne(id);
    assertThat(last.isLastAttempt()).isTrue();
    expireLease(id); // its worker never recorded the outcome (the receiver may have got it)

    assertThat(repository.deadLetterStuck().await().count()).as("not parked").isZero();
    assertThat(repository.overduePage(OverduePage.Cursor.START, 10).await().refs()).as("swept back in").extracting(DueRef::id).containsExactly(id);
    ClaimedDelivery again = claimOne(id);

    assertThat(again.attempt()).as("a new attempt number").isEqualTo(6);
    assertThat(again.budgetAttempt()).as("still the last of the budget").isEqualTo(5);
    assertThat(again.isLastAttempt()).isTrue();
    assertThat(record(id, again.attempt(), AttemptOutcome.succeeded(200))).isPresent();
    assertThat(infra.sql("SELECT status, attempt_count, recorded_attempts FROM webhook_deliveries").get(0))
        .containsExactly("succeeded", 6, 5);
  }

  @Test
  void claimsThatNeverRecordAnOutcomeAreBoundedAndThenParkedWithAnErrorThatSaysSo() {
    long id = newDelivery();
    record(id, claimOne(id).attempt(), AttemptOutcome.retry(503, "HTTP 503", Duration.ZERO));
    for (int lost = 1; lost <= MAX_UNRECORDED; lost++) {
      claimOne(id);
      expireLease(id);
    }

    assertThat(repository.claim(List.of(id), LEASE, ANY_ROOM, TOKEN).await().claimed()).as("no claim past the bound").isEmpty();
    assertThat(repository.overduePage(OverduePage.Cursor.START, 10).await().refs()).as("not swept back in").isEmpty();
    assertThat(repository.deadLetterStuck().await().count()).isEqualTo(1);
    assertThat(infra.sql("SELECT status, attempt_count, last_error FROM webhook_deliveries").get(0)).containsExactly(
        "dead_letter", 4, "unrecorded_attempts: the outcomes of 3 attempts (the last was attempt 4) were never"
            + " recorded; each worker that took it stopped or lost storage before recording");
  }

  @Test
  void aLeasedRowIsNotParkedWhileItsLeaseRuns() {
    long id = newDelivery();
    for (int lost = 1; lost <= MAX_UNRECORDED; lost++) {
      claimOne(id);
      if (lost < MAX_UNRECORDED) {
        expireLease(id);
      }
    }

    assertThat(repository.deadLetterStuck().await().count()).as("the third claim may still record").isZero();
    assertThat(record(id, 3, AttemptOutcome.succeeded(200))).isPresent();
    assertThat(infra.sql("SELECT status FROM webhook_deliveries").get(0)).containsExactly("succeeded");
  }

  @Test
  void overduePagesWalkTheWholeBacklogInDueOrderWhenRowsShareADueTime() {
    List<NewDelivery> batch = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      batch.add(new NewDelivery(7, 100 + i, "n", null, "https://r.example.com/", "POST", "{}", List.of(), UUID.randomUUID(), 5));
    }
    // One transaction: all seven share one due time (now()), so only the id tells them apart.
    List<Long> ids = repository.createAll(batch).await().stream().map(o -> o.result().id()).toList();
    OverduePage first = repository.overduePage(OverduePage.Cursor.START, 3).await();
    OverduePage second = repository.overduePage(first.next(), 3).await();
    OverduePage third = repository.overduePage(second.next(), 3).await();

    assertThat(first.refs()).hasSize(3);
    assertThat(second.refs()).hasSize(3);
    assertThat(third.refs()).hasSize(1);
    assertThat(Stream.of(first, second, third).flatMap(page -> page.refs().stream()).map(DueRef::id))
        .containsExactlyElementsOf(ids);
  }

  @Test
  void oneStatementRecordsABatchOfOutcomesEachFencedOnItsOwnAttempt() {
    long a = newDeliveryFor(1);
    long b = newDeliveryFor(2);
    long c = newDeliveryFor(3);
    repository.claim(List.of(a, b, c), LEASE, ANY_ROOM, TOKEN).await();
    expireLease(c);
    repository.claim(List.of(c), LEASE, ANY_ROOM, TOKEN).await(); // c is now on attempt 2: attempt 1's outcome is stale

    List<RecordResult> results = repository.recordOutcomes(List.of(
        new OutcomeWrite(a, 1, AttemptOutcome.succeeded(200), LOG),
        new OutcomeWrite(b, 1, AttemptOutcome.retry(503, "HTTP 503", Duration.ofSeconds(30)), LOG),
        new OutcomeWrite(c, 1, AttemptOutcome.deadLetter(404, "HTTP 404"), LOG))).await();

    assertThat(results.get(0).recorded()).isTrue();
    assertThat(Duration.between(Instant.now(), results.get(1).dueAt()).toSeconds()).isBetween(25L, 31L);
    assertThat(results.get(2)).as("fenced out").isEqualTo(RecordResult.cancelled("pending", 2, 0));
    assertThat(infra.sql("SELECT id, status, attempt_count FROM webhook_deliveries ORDER BY id")).containsExactly(
        List.of(a, "succeeded", 1), List.of(b, "pending", 1), List.of(c, "pending", 2));
    assertThat(infra.sql("SELECT delivery_id, attempt, outcome FROM webhook_delivery_attempts ORDER BY delivery_id"))
        .containsExactly(List.of(a, 1, "succeeded"), List.of(b, 1, "retry"), List.of(c, 1, "cancelled"));
  }

  private long newDeliveryTo(long run, String url) {
    return create(new NewDelivery(7, run, "node-1", "hook", url, "POST", "{}", List.of(), null, 5));
  }

  private int attemptCount(long id) {
    return (Integer) infra.sql("SELECT attempt_count FROM webhook_deliveries WHERE id = ?", id).get(0).get(0);
  }

  @Test
  void theOriginIsStoredInOneSpellingPerReceiver() {
    long id = newDeliveryTo(1, "HTTPS://R.Example.com:443/hooks?token=abc");

    assertThat(infra.sql("SELECT origin FROM webhook_deliveries WHERE id = ?", id).get(0))
        .containsExactly("https://r.example.com");
  }

  /**
   * Two claims race for a due row: the loser still answers, with its own won rows and the row it
   * lost as not claimable yet (at the winner's lease end). Its final SELECT reads the row as its
   * statement began, due and unleased; a row without a window once came back there with a null
   * "ended" flag, which failed the whole claim and left its won rows unsent for a lease.
   */
  @Test
  void aClaimThatLosesARaceForOneRowStillAnswersWithTheRowsItWon() throws Exception {
    long contested = newDeliveryFor(1);
    long mine = newDeliveryFor(2);
    try (java.sql.Connection other = java.sql.DriverManager.getConnection(infra.jdbcUrl(), "postgres", null)) {
      other.setAutoCommit(false);
      other.createStatement().execute("SELECT 1 FROM webhook_deliveries WHERE id = " + contested + " FOR UPDATE");
      io.vertx.core.Future<ClaimResult> loser = repository.claim(List.of(contested, mine), LEASE, ANY_ROOM, TOKEN);
      Await.until("the claim waiting for the contested row", Duration.ofSeconds(10), () -> !infra.sql(
          "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").isEmpty());
      // What the winning claim writes, committed while the loser waits for the row.
      other.createStatement().execute("UPDATE webhook_deliveries SET attempt_count = 1,"
          + " leased_until = now() + interval '60 seconds' WHERE id = " + contested);
      other.commit();

      ClaimResult result = loser.await();

      assertThat(result.claimed()).extracting(ClaimedDelivery::id).containsExactly(mine);
      assertThat(result.stillPending()).extracting(DueRef::id).containsExactly(contested);
      assertThat(result.ended()).isEmpty();
    }
  }

  @Test
  void aClaimTakesNoMorePerOriginThanItsRoomAndHoldsTheRestBackUnclaimed() {
    List<Long> busy = new java.util.ArrayList<>();
    List<Long> other = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      busy.add(newDeliveryTo(100 + i, "https://busy.example.com/x"));
      other.add(newDeliveryTo(200 + i, "https://other.example.com/y"));
    }
    List<Long> all = new java.util.ArrayList<>(busy);
    all.addAll(other);

    ClaimResult result = repository.claim(all, LEASE,
        new OriginRooms(Map.of("https://busy.example.com", 2), 3), TOKEN).await();

    assertThat(result.claimed()).extracting(ClaimedDelivery::id)
        .containsExactlyInAnyOrder(busy.get(0), busy.get(1), other.get(0), other.get(1), other.get(2));
    assertThat(result.claimed()).extracting(ClaimedDelivery::origin)
        .containsOnly("https://busy.example.com", "https://other.example.com");
    assertThat(result.held()).containsExactlyInAnyOrder(
        new HeldDelivery(busy.get(2), "https://busy.example.com"), new HeldDelivery(busy.get(3), "https://busy.example.com"),
        new HeldDelivery(busy.get(4), "https://busy.example.com"), new HeldDelivery(other.get(3), "https://other.example.com"),
        new HeldDelivery(other.get(4), "https://other.example.com"));
    assertThat(result.stillPending()).isEmpty();
    assertThat(attemptCount(busy.get(4))).as("held back: no attempt used").isZero();
    assertThat(attemptCount(busy.get(0))).isEqualTo(1);
  }

  @Test
  void anOriginWithNoRoomHasEveryDueRowHeldWhileItsLeasedRowsAreNotHeld() {
    long leased = newDeliveryTo(1, "https://open.example.com/x");
    repository.claim(List.of(leased), LEASE, ANY_ROOM, TOKEN).await();
    long due = newDeliveryTo(2, "https://open.example.com/x");

    ClaimResult result = repository.claim(List.of(leased, due), LEASE,
        new OriginRooms(Map.of("https://open.example.com", 0), 10), TOKEN).await();

    assertThat(result.claimed()).isEmpty();
    assertThat(result.held()).containsExactly(new HeldDelivery(due, "https://open.example.com"));
    assertThat(result.stillPending()).extracting(DueRef::id).containsExactly(leased);
  }

  @Test
  void releasingAnUnsentClaimGivesItsAttemptBackAndIsFencedOnTheAttempt() {
    long id = newDelivery();
    ClaimedDelivery claimed = repository.claim(List.of(id), LEASE, ANY_ROOM, TOKEN).await().claimed().get(0);

    assertThat(repository.release(id, claimed.attempt() + 1, 0, Duration.ofSeconds(5)).await()).as("stale").isEmpty();
    Optional<Instant> due = repository.release(id, claimed.attempt(), 0, Duration.ofSeconds(5)).await();

    assertThat(due).hasValueSatisfying(at ->
        assertThat(Duration.between(Instant.now(), at).toMillis()).isBetween(3_000L, 5_100L));
    assertThat(attemptCount(id)).isZero();
    assertThat(repository.release(id, claimed.attempt(), 0, Duration.ofSeconds(5)).await()).as("released once").isEmpty();
  }
}
