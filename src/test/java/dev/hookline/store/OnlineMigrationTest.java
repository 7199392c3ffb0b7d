package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.testing.Await;
import dev.hookline.testing.SchemaVersions;
import dev.hookline.testing.TestInfra;
import io.vertx.pgclient.PgConnectOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every migration, V1 to the latest, run by {@link Migrations} (Hookline's own code path and Flyway
 * settings) on a database in use: a table of deliveries, most of them final, some pending and due,
 * and an attempt log, while plain JDBC sessions keep creating (INSERT), claiming (a conditional
 * UPDATE of a due pending row) and recording outcomes (UPDATE to a final status or back to pending,
 * and an attempt-log row once V2 made the table). The workload is not Hookline: it must work at
 * every schema version, so it uses only the columns V1 has and leaves the rest to the migrations'
 * defaults and triggers. Each session runs with {@code lock_timeout = '2s'}: a statement that
 * waited longer for a lock fails with 55P03, and the test fails naming the migration that was
 * running. It also fails if creates, claims or outcomes stopped completing for longer than
 * {@link #STALL} while a migration ran.
 *
 * <p>At the CI size (300,000 deliveries) the migrations take about 16 s in all on a 2-CPU machine,
 * and the released V6 and V7 held the workload up for over 2 s. {@code -Dmigrations.deliveries=N}
 * seeds more (docs/testing.md says how long a run takes, and which migrations blocked at 4 million).
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class OnlineMigrationTest {
  private static final int DELIVERIES = Integer.getInteger("migrations.deliveries", 300_000);
  private static final Duration STALL = Duration.ofMillis(Long.getLong("migrations.stallMillis", 5_000));
  private static final int SESSIONS = 3;
  private static final String LOCK_NOT_AVAILABLE = "55P03";
  private static final List<Integer> VERSIONS = SchemaVersions.all().stream().map(Integer::parseInt).toList();

  private final TestInfra infra = TestInfra.create();
  private final Timeline timeline = new Timeline();
  private final List<Session> sessions = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();

  @AfterEach
  void tearDown() throws InterruptedException {
    stop.set(true);
    for (Thread thread : threads) {
      thread.join(TimeUnit.MINUTES.toMillis(2));
    }
    infra.close();
  }

  @Test
  void createsClaimsAndOutcomesNeverWaitOnALockForMoreThanTwoSecondsWhileEveryMigrationRuns() throws Exception {
    PgConnectOptions options = PgConnectOptions.fromUri(infra.postgresUrl());
    // Through Migrations: its session lock lets the CONCURRENTLY builds of V2 and later finish (Flyway's
    // default transactional lock keeps a transaction open that they would wait for forever).
    Migrations.migrate(options, Migrations.DEFAULT_LOCK_WAIT, "1");
    long seedStarted = System.nanoTime();
    infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id, webhook_node_id,"
        + " endpoint_url, http_method, payload, max_attempts, status, attempt_count, scheduled_for, created_at)"
        + " SELECT gen_random_uuid(), g % 100, g, 'node-1', 'https://r' || (g % 50) || '.example.com/hooks', 'POST',"
        + " '{\"event\":\"call_done\",\"run\":' || g || ',\"call_disposition\":\"user_hangup\"}', 5,"
        + " CASE WHEN g % 5 = 0 THEN 'pending' WHEN g % 50 = 1 THEN 'dead_letter' ELSE 'succeeded' END,"
        + " CASE WHEN g % 5 = 0 THEN g % 3 WHEN g % 50 = 1 THEN 5 ELSE 1 END, now() - interval '1 hour',"
        + " now() - interval '30 days' + g * interval '1 millisecond'"
        + " FROM generate_series(1, ?) g", DELIVERIES);
    List<Long> pending = new ArrayList<>(infra.sql("SELECT id FROM webhook_deliveries WHERE status = 'pending'").stream()
        .map(row -> (Long) row.get(0)).toList());
    infra.sql("ANALYZE webhook_deliveries");
    double seedDeliveriesSeconds = seconds(seedStarted);
    Collections.shuffle(pending);
    ConcurrentLinkedQueue<Long> due = new ConcurrentLinkedQueue<>(pending);

    startMonitor();
    for (int i = 0; i < SESSIONS; i++) {
      Session session = new Session(i, due);
      sessions.add(session);
      start("workload-" + i, session::run);
    }
    awaitProgress(sessions, "the workload at V1");

    timeline.migrating();
    Migrations.migrate(options, Migrations.DEFAULT_LOCK_WAIT, "2");
    timeline.idle();
    // The attempt log exists now: fill it as a log of the seeded rows' attempts, under the workload.
    long attemptsStarted = System.nanoTime();
    infra.sql("INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome, status_code)"
        + " SELECT d.id, a, d.created_at + a * interval '1 second', 20,"
        + " CASE WHEN a < d.attempt_count OR d.status = 'pending' THEN 'retry'"
        + " WHEN d.status = 'succeeded' THEN 'succeeded' ELSE 'dead_letter' END,"
        + " CASE WHEN a < d.attempt_count OR d.status <> 'succeeded' THEN 503 ELSE 200 END"
        + " FROM webhook_deliveries d, generate_series(1, d.attempt_count) a WHERE d.workflow_run_id <= ?", DELIVERIES);
    infra.sql("ANALYZE webhook_delivery_attempts");
    double seedAttemptsSeconds = seconds(attemptsStarted);
    long attempts = (Long) infra.sql("SELECT count(*) FROM webhook_delivery_attempts").get(0).get(0);

    timeline.migrating();
    Migrations.Applied applied = Migrations.migrate(options, Migrations.DEFAULT_LOCK_WAIT);
    timeline.idle();
    awaitProgress(sessions, "the workload after the last migration");
    stop.set(true);
    for (Thread thread : threads) {
      thread.join(TimeUnit.MINUTES.toMillis(2));
    }

    Report report = new Report(timeline, sessions);
    System.out.printf("online migrations: %,d deliveries seeded in %.1f s, %,d attempt-log rows in %.1f s,"
            + " %d sessions, lock_timeout 2s, stall limit %d ms%n%s", DELIVERIES, seedDeliveriesSeconds, attempts,
        seedAttemptsSeconds, SESSIONS, STALL.toMillis(), report.table());
    assertThat(applied.schemaVersion()).isEqualTo(SchemaVersions.latest());
    assertThat(report.problems()).as("what the workload met while the migrations ran (lock_timeout = 2s)\n"
        + report.table()).isEmpty();
    assertThat(report.completedDuringMigrations()).as("creates, claims and outcomes done while migrating")
        .allSatisfy((kind, count) -> assertThat(count).as(kind).isPositive()).hasSize(3);
    assertThat(infra.sql("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
        + " WHERE c.relnamespace = 'public'::regnamespace AND NOT i.indisvalid").get(0).get(0))
        .as("invalid indexes").isEqualTo(0L);
    assertThat(infra.sql("SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
        + " AND NOT convalidated")).as("constraints left NOT VALID").isEmpty();
  }

  /**
   * A change that needs an exclusive lock, while a long transaction (a report, a backup) holds the
   * table: claims queue behind the waiting lock, so it must give way within a second and try again
   * rather than hold them up for as long as the long transaction lasts.
   */
  @Test
  void aMigrationWaitingBehindALongTransactionLetsTheWorkloadThrough() throws Exception {
    PgConnectOptions options = PgConnectOptions.fromUri(infra.postgresUrl());
    Migrations.migrate(options, Migrations.DEFAULT_LOCK_WAIT, "8");
    infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id, webhook_node_id,"
        + " endpoint_url, http_method, payload, max_attempts) SELECT gen_random_uuid(), 7, g, 'n',"
        + " 'https://r.example.com/', 'POST', '{}', 5 FROM generate_series(1, 1000) g");
    ConcurrentLinkedQueue<Long> due = new ConcurrentLinkedQueue<>(infra.sql("SELECT id FROM webhook_deliveries").stream()
        .map(row -> (Long) row.get(0)).toList());
    Session session = new Session(0, due);
    sessions.add(session);
    start("workload-0", session::run);
    awaitProgress(sessions, "the workload at V8");
    java.util.concurrent.CompletableFuture<Migrations.Applied> migrating;
    try (Connection report = DriverManager.getConnection(infra.jdbcUrl() + "?ApplicationName=report", "postgres", null)) {
      report.setAutoCommit(false);
      try (Statement statement = report.createStatement()) {
        statement.execute("SELECT count(*) FROM webhook_deliveries");
      }
      migrating = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> Migrations.migrate(options, Migrations.DEFAULT_LOCK_WAIT, "9"));
      Await.until("V9 to wait for its lock behind the report", Duration.ofSeconds(30), () -> (Long) infra.sql(
          "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted"
              + " AND a.application_name LIKE 'hookline migrations%'").get(0).get(0) > 0);
      long before = session.completed();
      Await.until("the workload to go on while V9 waits", Duration.ofSeconds(30),
          () -> session.completed() >= before + 100, () -> "failures: " + session.ops.stream()
              .filter(op -> op.sqlState() != null).map(Op::message).distinct().toList());
      assertThat(migrating).as("V9 still waiting for the report").isNotDone();
      report.commit();
    }

    assertThat(migrating.get(60, TimeUnit.SECONDS).schemaVersion()).isEqualTo("9");
    stop.set(true);
    for (Thread thread : threads) {
      thread.join(TimeUnit.MINUTES.toMillis(1));
    }
    assertThat(session.ops).filteredOn(op -> op.sqlState() != null).as("statements that failed").isEmpty();
  }

  private static double seconds(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }

  private void start(String name, ThrowingRunnable body) {
    Thread thread = new Thread(() -> {
      try {
        body.run();
      } catch (Exception e) {
        timeline.threadFailed(name, e);
      }
    }, name);
    thread.setDaemon(true);
    threads.add(thread);
    thread.start();
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private Connection connect(String applicationName) throws SQLException {
    Connection connection = DriverManager.getConnection(infra.jdbcUrl() + "?ApplicationName=" + applicationName,
        "postgres", null);
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET lock_timeout = '2s'");
      // Only so that a statement stuck on something other than a lock cannot hang the test.
      statement.execute("SET statement_timeout = '120s'");
    }
    return connection;
  }

  /**
   * Polls Flyway's history (which migration has finished when) and the workload's sessions (the
   * longest lock wait seen, and what the migrating session ran meanwhile).
   */
  private void startMonitor() {
    start("monitor", () -> {
      try (Connection connection = DriverManager.getConnection(infra.jdbcUrl() + "?ApplicationName=monitor",
          "postgres", null);
           PreparedStatement history = connection.prepareStatement("SELECT version::int, description"
               + " FROM flyway_schema_history WHERE success AND version IS NOT NULL");
           PreparedStatement waits = connection.prepareStatement("SELECT w.application_name,"
               + " extract(epoch FROM clock_timestamp() - w.query_start),"
               + " (SELECT left(regexp_replace(m.query, '\\s+', ' ', 'g'), 120) FROM pg_stat_activity m"
               + "  WHERE m.datname = current_database() AND m.application_name LIKE 'hookline migrations%'"
               + "  AND m.state = 'active' LIMIT 1)"
               + " FROM pg_stat_activity w WHERE w.datname = current_database() AND w.wait_event_type = 'Lock'"
               + " AND w.application_name LIKE 'workload-%'")) {
        while (!stop.get()) {
          long now = System.nanoTime();
          try (ResultSet rows = history.executeQuery()) {
            while (rows.next()) {
              timeline.finished(rows.getInt(1), rows.getString(2), now);
            }
          }
          try (ResultSet rows = waits.executeQuery()) {
            while (rows.next()) {
              timeline.lockWait(now, rows.getString(1), rows.getDouble(2), rows.getString(3));
            }
          }
          Thread.sleep(20);
        }
      }
    });
  }

  /** One operation of the workload, as it ended. */
  private record Op(String kind, long endedNanos, String sqlState, String message) {
  }

  /** One JDBC session running create, claim, outcome in a loop. */
  private final class Session {
    private final int number;
    private final ConcurrentLinkedQueue<Long> due;
    private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
    private long cycle;

    Session(int number, ConcurrentLinkedQueue<Long> due) {
      this.number = number;
      this.due = due;
    }

    long completed() {
      return ops.stream().filter(op -> op.sqlState() == null).count();
    }

    void run() throws Exception {
      try (Connection connection = connect("workload-" + number);
           PreparedStatement create = connection.prepareStatement("INSERT INTO webhook_deliveries (delivery_uuid,"
               + " organization_id, workflow_run_id, webhook_node_id, endpoint_url, http_method, payload, max_attempts)"
               + " VALUES (gen_random_uuid(), 7, ?, 'node-1', 'https://new.example.com/hooks', 'POST', '{}', 5) RETURNING id");
           PreparedStatement claim = connection.prepareStatement("UPDATE webhook_deliveries"
               + " SET attempt_count = attempt_count + 1, scheduled_for = now() + interval '10 minutes', updated_at = now()"
               + " WHERE id = ? AND status = 'pending' AND scheduled_for <= now() RETURNING attempt_count");
           PreparedStatement outcome = connection.prepareStatement("UPDATE webhook_deliveries"
               + " SET status = ?, scheduled_for = now(), last_status_code = ?, updated_at = now()"
               + " WHERE id = ? AND attempt_count = ? AND status = 'pending'");
           PreparedStatement log = connection.prepareStatement("INSERT INTO webhook_delivery_attempts"
               + " (delivery_id, attempt, started_at, duration_ms, outcome, status_code) VALUES (?, ?, now(), 12, ?, ?)")) {
        long run = 1_000_000_000L * (number + 1);
        while (!stop.get()) {
          cycle++;
          long created = step("create", connection, () -> {
            create.setLong(1, run + cycle);
            try (ResultSet rows = create.executeQuery()) {
              rows.next();
              return rows.getLong(1);
            }
          });
          if (created > 0) {
            due.add(created);
          }
          Long id = due.poll();
          if (id != null) {
            long attempt = step("claim", connection, () -> {
              claim.setLong(1, id);
              try (ResultSet rows = claim.executeQuery()) {
                return rows.next() ? rows.getInt(1) : 0;
              }
            });
            if (attempt > 0) {
              // Mostly successes; some retries (due again at once, so claimed again) and dead letters.
              String status = cycle % 10 < 6 ? "succeeded" : cycle % 10 < 9 ? "pending" : "dead_letter";
              int code = status.equals("succeeded") ? 200 : status.equals("pending") ? 503 : 404;
              boolean attemptLog = timeline.applied() >= 2;
              long recorded = step("outcome", connection, () -> {
                connection.setAutoCommit(false);
                outcome.setString(1, status);
                outcome.setInt(2, code);
                outcome.setLong(3, id);
                outcome.setInt(4, (int) attempt);
                int updated = outcome.executeUpdate();
                if (updated == 1 && attemptLog) {
                  log.setLong(1, id);
                  log.setInt(2, (int) attempt);
                  log.setString(3, status.equals("pending") ? "retry" : status);
                  log.setInt(4, code);
                  log.executeUpdate();
                }
                connection.commit();
                connection.setAutoCommit(true);
                return updated;
              });
              if (recorded > 0 && status.equals("pending")) {
                due.add(id);
              }
            }
          }
          Thread.sleep(5);
        }
      }
    }

    /** Runs one operation and records how it ended; a failed one returns -1 (after a rollback). */
    private long step(String kind, Connection connection, SqlCall call) throws SQLException {
      try {
        long result = call.call();
        ops.add(new Op(kind, System.nanoTime(), null, null));
        return result;
      } catch (SQLException e) {
        ops.add(new Op(kind, System.nanoTime(), e.getSQLState(), e.getMessage()));
        if (!connection.getAutoCommit()) {
          connection.rollback();
          connection.setAutoCommit(true);
        }
        return -1;
      }
    }
  }

  private interface SqlCall {
    long call() throws SQLException;
  }

  /** When each migration finished, when the test was migrating, and the lock waits seen. */
  private static final class Timeline {
    private final Map<Integer, Long> finishedAt = new ConcurrentHashMap<>();
    private final Map<Integer, String> descriptions = new ConcurrentHashMap<>();
    private final List<long[]> windows = Collections.synchronizedList(new ArrayList<>());
    private final Map<Integer, double[]> longestWait = new ConcurrentHashMap<>();
    private final Map<Integer, String> blockedBehind = new ConcurrentHashMap<>();
    private final List<String> threadFailures = Collections.synchronizedList(new ArrayList<>());
    private volatile int applied;

    void migrating() {
      windows.add(new long[] {System.nanoTime(), Long.MAX_VALUE});
    }

    void idle() {
      windows.get(windows.size() - 1)[1] = System.nanoTime();
    }

    int applied() {
      return applied;
    }

    void finished(int version, String description, long nanos) {
      if (finishedAt.putIfAbsent(version, nanos) == null) {
        descriptions.put(version, description);
        applied = Math.max(applied, version);
      }
    }

    void threadFailed(String name, Exception e) {
      threadFailures.add(name + ": " + e);
    }

    /** The migration running at {@code nanos}, or 0 when none was. */
    int runningAt(long nanos) {
      boolean inWindow = windows.stream().anyMatch(w -> nanos >= w[0] && nanos <= w[1]);
      if (!inWindow) {
        return 0;
      }
      return VERSIONS.stream()
          .filter(v -> finishedAt.getOrDefault(v, Long.MAX_VALUE) >= nanos).findFirst().orElse(0);
    }

    void lockWait(long nanos, String session, double seconds, String migrationStatement) {
      int version = runningAt(nanos);
      longestWait.merge(version, new double[] {seconds}, (a, b) -> a[0] >= b[0] ? a : b);
      if (migrationStatement != null && seconds >= 0.5) {
        blockedBehind.merge(version, migrationStatement, (a, b) -> a.contains(b) ? a : a + " | " + b);
      }
    }

    String name(int version) {
      return version == 0 ? "(no migration)" : "V" + version + " " + descriptions.getOrDefault(version, "");
    }

    /** Each migration's [start, end] as the monitor saw it. */
    long[] span(int version) {
      Long end = finishedAt.get(version);
      if (end == null) {
        return null;
      }
      long start = finishedAt.entrySet().stream().filter(e -> e.getKey() < version).mapToLong(Map.Entry::getValue)
          .max().orElse(end);
      // The first migration of a run starts when the run does.
      for (long[] window : windows) {
        if (end >= window[0] && end <= window[1] && start < window[0]) {
          start = window[0];
        }
      }
      return new long[] {start, end};
    }
  }

  /** Per migration: how long it took, what the workload completed meanwhile, and what went wrong. */
  private static final class Report {
    private final Timeline timeline;
    private final List<Op> ops = new ArrayList<>();
    private final Map<Integer, String> rows = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();
    private final Map<String, Long> completedDuringMigrations = new TreeMap<>();

    Report(Timeline timeline, List<Session> sessions) {
      this.timeline = timeline;
      sessions.forEach(s -> ops.addAll(s.ops));
      ops.sort((a, b) -> Long.compare(a.endedNanos(), b.endedNanos()));
      problems.addAll(timeline.threadFailures);
      for (String version : SchemaVersions.all()) {
        int v = Integer.parseInt(version);
        long[] span = timeline.span(v);
        if (v == 1 || span == null) {
          continue;
        }
        rows.put(v, row(v, span));
      }
    }

    private String row(int version, long[] span) {
      StringBuilder line = new StringBuilder(String.format("  %-48s %7.2f s", timeline.name(version),
          (span[1] - span[0]) / 1e9));
      for (String kind : List.of("create", "claim", "outcome")) {
        List<Long> ends = new ArrayList<>();
        ends.add(span[0]);
        ops.stream().filter(op -> op.kind().equals(kind) && op.sqlState() == null
                && op.endedNanos() >= span[0] && op.endedNanos() <= span[1])
            .forEach(op -> ends.add(op.endedNanos()));
        ends.add(span[1]);
        long gap = 0;
        for (int i = 1; i < ends.size(); i++) {
          gap = Math.max(gap, ends.get(i) - ends.get(i - 1));
        }
        completedDuringMigrations.merge(kind, (long) ends.size() - 2, Long::sum);
        line.append(String.format(" | %s %5d, longest gap %5.2f s", kind, ends.size() - 2, gap / 1e9));
        if (gap > STALL.toNanos()) {
          problems.add(timeline.name(version) + ": no " + kind + " completed for " + String.format("%.2f", gap / 1e9)
              + " s");
        }
      }
      double[] wait = timeline.longestWait.get(version);
      line.append(String.format(" | longest lock wait seen %.2f s", wait == null ? 0 : wait[0]));
      Map<String, List<Op>> failed = ops.stream().filter(op -> op.sqlState() != null
              && timeline.runningAt(op.endedNanos()) == version)
          .collect(Collectors.groupingBy(op -> op.kind() + " " + op.sqlState()));
      if (!failed.isEmpty()) {
        String summary = failed.entrySet().stream().map(e -> e.getValue().size() + " x " + e.getKey()
                + (e.getKey().endsWith(LOCK_NOT_AVAILABLE) ? " (lock timeout)" : "") + " [" + e.getValue().get(0).message()
                + "]")
            .collect(Collectors.joining("; "));
        line.append(" | FAILED: ").append(summary);
        problems.add(timeline.name(version) + ": " + summary + (timeline.blockedBehind.containsKey(version)
            ? "; the migration was running: " + timeline.blockedBehind.get(version) : ""));
      }
      return line.toString();
    }

    String table() {
      StringBuilder out = new StringBuilder();
      rows.values().forEach(row -> out.append(row).append('\n'));
      List<Op> outside = ops.stream().filter(op -> op.sqlState() != null && timeline.runningAt(op.endedNanos()) == 0)
          .toList();
      if (!outside.isEmpty()) {
        out.append("  failures outside the migrations: ").append(outside.size()).append(" [")
            .append(outside.get(0).message()).append("]\n");
      }
      return out.toString();
    }

    List<String> problems() {
      List<String> all = new ArrayList<>(problems);
      ops.stream().filter(op -> op.sqlState() != null && timeline.runningAt(op.endedNanos()) == 0).findFirst()
          .ifPresent(op -> all.add("outside the migrations: " + op.kind() + " " + op.sqlState() + " " + op.message()));
      return all;
    }

    Map<String, Long> completedDuringMigrations() {
      return completedDuringMigrations;
    }
  }

  /** Waits until every session completed a few more operations (the workload is really running). */
  private static void awaitProgress(List<Session> sessions, String what) {
    List<Long> before = sessions.stream().map(Session::completed).toList();
    Await.until(what + " completing operations", Duration.ofSeconds(60), () -> {
      for (int i = 0; i < sessions.size(); i++) {
        if (sessions.get(i).completed() < before.get(i) + 10) {
          return false;
        }
      }
      return true;
    });
  }
}
