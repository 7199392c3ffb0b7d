package dev.hookline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.domain.ChangeResult;
import dev.hookline.store.OperatorRepository;
import dev.hookline.store.PostgresPool;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Retention against a real Postgres: only old final rows go, with their attempt logs, batch after batch. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RetentionTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final int DAYS = 30;
  private static final long DAY = 86_400;
  private static final List<String> FINAL = List.of("succeeded", "dead_letter", "cancelled", "expired");
  // A delivery and its two attempt rows in one statement: a retention pass running in between
  // must not see the delivery without its attempts.
  // Last changed when it was created, unless a test changes updated_at itself.
  private static final String INSERT = "WITH d AS (INSERT INTO webhook_deliveries (delivery_uuid, organization_id,"
      + " workflow_run_id, webhook_node_id, endpoint_url, http_method, payload, status, max_attempts, created_at,"
      + " updated_at, scheduled_for) VALUES (gen_random_uuid(), 7, ?, 'n', 'https://r.example.com/', 'POST', '{}', ?,"
      + " 5, now() - make_interval(secs => ?), now() - make_interval(secs => ?), now() + interval '1 day') RETURNING id),"
      + " a AS (INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome)"
      + " SELECT d.id, n, now(), 5, 'retry' FROM d, generate_series(1, 2) AS n)"
      + " SELECT id FROM d";

  private TestInfra infra;
  private Pool pool;
  private OperatorRepository operator;
  private Retention retention;
  private Hookline hookline;
  private long nextRun = 1;

  @BeforeEach
  void setUp(Vertx vertx) {
    infra = DATABASE.infra();
    pool = PostgresPool.create(vertx, PgConnectOptions.fromUri(infra.postgresUrl()), 3);
    operator = new OperatorRepository(pool);
    retention = new Retention(operator, DAYS, 2);
  }

  @AfterEach
  void tearDown() {
    try {
      if (hookline != null) {
        hookline.stop().await();
      }
    } finally {
      pool.close().await();
    }
  }

  /**
   * A delivery created {@code secondsAgo}, with two attempt-log rows. Pending rows are scheduled
   * for tomorrow so a running Hookline never picks them up and changes their status.
   */
  private long insert(String status, long secondsAgo) {
    return ((Number) infra.sql(INSERT, nextRun++, status, (double) secondsAgo, (double) secondsAgo).get(0).get(0))
        .longValue();
  }

  private Set<Long> remainingIds() {
    return infra.sql("SELECT id FROM webhook_deliveries").stream()
        .map(row -> ((Number) row.get(0)).longValue()).collect(Collectors.toSet());
  }

  /** Attempt-log rows per delivery id. */
  private Map<Long, Long> attemptsById() {
    Map<Long, Long> counts = new HashMap<>();
    infra.sql("SELECT delivery_id, count(*) FROM webhook_delivery_attempts GROUP BY delivery_id")
        .forEach(row -> counts.put(((Number) row.get(0)).longValue(), ((Number) row.get(1)).longValue()));
    return counts;
  }

  @Test
  void purgeDeletesExactlyTheOldFinalRowsAndTheirAttemptsInBatches() {
    List<Long> oldFinal = new ArrayList<>();
    List<Long> kept = new ArrayList<>();
    for (String status : FINAL) {
      for (int i = 0; i < 3; i++) {
        oldFinal.add(insert(status, 40 * DAY));
      }
      for (int i = 0; i < 2; i++) {
        kept.add(insert(status, 5 * DAY));
      }
    }
    List<Long> oldPending = List.of(insert("pending", 40 * DAY), insert("pending", 40 * DAY));
    kept.addAll(oldPending);
    kept.add(insert("pending", 60));
    List<List<Object>> pendingBefore = infra.sql("SELECT id, status, attempt_count, max_attempts, scheduled_for,"
        + " updated_at FROM webhook_deliveries WHERE status = 'pending' ORDER BY id");

    long deleted = retention.purge().await();

    assertThat(deleted).isEqualTo(3 * FINAL.size());
    assertThat(remainingIds()).containsExactlyInAnyOrderElementsOf(kept);
    Map<Long, Long> attempts = attemptsById();
    assertThat(attempts.keySet()).as("attempt logs of deleted rows are gone").doesNotContainAnyElementsOf(oldFinal)
        .containsExactlyInAnyOrderElementsOf(kept);
    assertThat(attempts.values()).as("every remaining row keeps both attempt rows").allMatch(n -> n == 2L);
    assertThat(infra.sql("SELECT id, status, attempt_count, max_attempts, scheduled_for, updated_at"
        + " FROM webhook_deliveries WHERE status = 'pending' ORDER BY id"))
        .as("pending rows, old or not, are untouched").isEqualTo(pendingBefore);
    assertThat(infra.count("status = 'pending'")).isEqualTo(3);
    for (String status : FINAL) {
      assertThat(infra.count("status = ?", status)).as(status).isEqualTo(2);
    }

    assertThat(retention.purge().await()).as("a second purge finds nothing").isZero();
    assertThat(remainingIds()).containsExactlyInAnyOrderElementsOf(kept);
  }

  @Test
  void aBatchSizeDividingTheBacklogExactlyStillStopsAndCountsRight() {
    for (int i = 0; i < 4; i++) {
      insert("succeeded", 40 * DAY);
    }
    long recent = insert("succeeded", DAY);

    assertThat(retention.purge().await()).isEqualTo(4);
    assertThat(remainingIds()).containsExactly(recent);
    assertThat(retention.purge().await()).isZero();
  }

  @Test
  void anEmptyTablePurgesNothing() {
    assertThat(retention.purge().await()).isZero();
  }

  @Test
  void theCutoffIsExactlyTheRetentionPeriod() {
    Set<Long> inside = new HashSet<>();
    Set<Long> outside = new HashSet<>();
    for (String status : FINAL) {
      inside.add(insert(status, 29 * DAY + 23 * 3_600));
      outside.add(insert(status, 30 * DAY + 3_600));
    }

    assertThat(retention.purge().await()).isEqualTo(FINAL.size());
    assertThat(remainingIds()).as("29 d 23 h old rows survive, 30 d 1 h old rows go")
        .containsExactlyInAnyOrderElementsOf(inside);
    assertThat(attemptsById().keySet()).containsExactlyInAnyOrderElementsOf(inside);
  }

  @Test
  void aRowCreatedLongAgoIsKeptUntilItsLastChangeIsAsOld() {
    long resentYesterday = insert("succeeded", 40 * DAY);
    long changedLongAgo = insert("dead_letter", 40 * DAY);
    insert("cancelled", 40 * DAY);
    infra.sql("UPDATE webhook_deliveries SET updated_at = now() - interval '1 day' WHERE id = ?", resentYesterday);
    infra.sql("UPDATE webhook_deliveries SET updated_at = now() - interval '31 days' WHERE id = ?", changedLongAgo);

    assertThat(retention.purge().await()).isEqualTo(2);
    assertThat(remainingIds()).containsExactly(resentYesterday);
    assertThat(attemptsById()).containsOnly(Map.entry(resentYesterday, 2L));
  }

  /**
   * The race of issue 23: retention picks an old final row without locking it, an operator resends
   * that row before the DELETE reaches it, and the DELETE, waiting for the resend's lock, must judge
   * the row as the resend left it (pending) and keep it. A second session holds the row so that
   * the resend queues for it first and retention's DELETE second; releasing it lets them run in
   * that order.
   */
  @Test
  void aRowResentWhileRetentionWaitsForItIsKeptPending() throws SQLException {
    long old = insert("succeeded", 40 * DAY);
    UUID uuid = UUID.fromString((String) infra.sql("SELECT delivery_uuid::text FROM webhook_deliveries WHERE id = ?", old)
        .get(0).get(0));
    try (Connection holder = infra.connect()) {
      holder.setAutoCommit(false);
      try (var lock = holder.prepareStatement("SELECT id FROM webhook_deliveries WHERE id = ? FOR UPDATE")) {
        lock.setLong(1, old);
        lock.executeQuery().close();
      }
      Future<ChangeResult> resend = operator.resend(uuid, 5);
      awaitLockWaits(1);
      Future<Long> purge = retention.purge();
      awaitLockWaits(2);

      holder.commit();

      assertThat(resend.await().kind()).isEqualTo(ChangeResult.Kind.DONE);
      assertThat(purge.await()).as("rows deleted").isZero();
    }
    assertThat(infra.sql("SELECT status, attempt_count, updated_at > now() - interval '1 minute'"
        + " FROM webhook_deliveries WHERE id = ?", old)).as("the resent row").containsExactly(List.of("pending", 0, true));
    assertThat(attemptsById()).containsOnly(Map.entry(old, 2L));
  }

  /** Waits until {@code n} sessions of this database wait for a lock (the holder's row lock). */
  private void awaitLockWaits(int n) {
    String waiting = "SELECT pid, wait_event, left(query, 120) FROM pg_stat_activity WHERE datname = current_database()"
        + " AND wait_event_type = 'Lock'";
    Await.until(n + " sessions waiting for the held row", Duration.ofSeconds(10), () -> infra.sql(waiting).size() == n,
        () -> infra.sql(waiting).toString());
  }

  @Test
  void aRunningHooklinePurgesOldFinalRowsOnItsInterval(Vertx vertx) {
    JsonObject config = infra.config()
        .put("retention", new JsonObject().put("days", DAYS).put("intervalSeconds", 0.2).put("batchSize", 1000));
    hookline = Hookline.start(vertx, config).await();
    long oldSucceeded = insert("succeeded", 40 * DAY);
    long oldPending = insert("pending", 40 * DAY);
    long recentSucceeded = insert("succeeded", DAY);

    Await.until("the old succeeded row to be purged", Duration.ofSeconds(10),
        () -> !remainingIds().contains(oldSucceeded),
        () -> infra.sql("SELECT id, status, created_at FROM webhook_deliveries").toString());

    assertThat(remainingIds()).containsExactlyInAnyOrder(oldPending, recentSucceeded);
    assertThat(infra.sql("SELECT status FROM webhook_deliveries WHERE id = ?", oldPending).get(0))
        .containsExactly("pending");
    assertThat(attemptsById()).containsOnly(Map.entry(oldPending, 2L), Map.entry(recentSucceeded, 2L));
  }
}
