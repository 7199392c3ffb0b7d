package dev.hookline.cli;

import dev.hookline.store.Migrations;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the bench's measured window cost the servers, read from their own counters: rows and index
 * entries written and WAL generated (Postgres), commands run (Redis), and both servers' CPU. WAL,
 * Redis commands and server CPU are server-wide, so they are only the bench's own on servers
 * nothing else uses ({@code bench/scaling.sh} starts private ones). Index entries are derived, since
 * Postgres counts none: an insert or a non-HOT update writes one entry into every btree whose
 * predicate the new row version meets; HOT updates write none. BRIN indexes (summarizing) keep a
 * summary per range of pages, not an entry per row, so they are listed but count no entries.
 */
final class BenchServers {
  private static final String TABLES = "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del"
      + " FROM pg_stat_user_tables";
  private static final String INDEXES = "SELECT tablename, indexname, indexdef LIKE '% WHERE %',"
      + " indexdef LIKE '% USING brin %' FROM pg_indexes WHERE schemaname = 'public'";
  // Per statement, so the claims can be counted; only where pg_stat_statements is preloaded.
  private static final String STATEMENTS = "SELECT queryid, left(regexp_replace(query, '\\s+', ' ', 'g'), 90), calls,"
      + " rows, wal_bytes, total_exec_time FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database"
      + " WHERE datname = current_database())";

  private final PgConnectOptions base;
  private final String database;
  private final Redis redis;
  private final boolean statements;

  private BenchServers(PgConnectOptions base, String database, Redis redis, boolean statements) {
    this.base = base;
    this.database = database;
    this.redis = redis;
    this.statements = statements;
  }

  /**
   * The bench's instrument, not the product's path: it talks to the server named in redis.url
   * directly (INFO only), as an operator's redis-cli would.
   */
  static BenchServers open(Vertx vertx, PgConnectOptions base, String database, String redisUrl) {
    boolean statements;
    try (Connection conn = Migrations.connect(base, database); Statement statement = conn.createStatement()) {
      statement.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      statement.executeQuery("SELECT count(*) FROM pg_stat_statements").close();
      statements = true;
    } catch (SQLException notPreloaded) {
      statements = false;
    }
    return new BenchServers(base, database, Redis.createClient(vertx, redisUrl), statements);
  }

  /** Counters that move with time (CPU, WAL, Redis): read them exactly at the window's edges. */
  Edge edge() throws SQLException {
    Map<String, Long> redisCalls = new TreeMap<>();
    double redisCpu = 0;
    String info = redis.send(Request.cmd(Command.INFO).arg("all")).await().toString();
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("cmdstat_")) {
        String name = line.substring("cmdstat_".length(), line.indexOf(':'));
        String calls = line.substring(line.indexOf("calls=") + 6);
        redisCalls.put(name, Long.parseLong(calls.substring(0, calls.indexOf(','))));
      } else if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
        redisCpu += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    try (Connection conn = Migrations.connect(base, database); Statement statement = conn.createStatement();
         ResultSet rs = statement.executeQuery(
             "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, pg_backend_pid()")) {
      rs.next();
      // While the connection is open: its backend process leads to the postmaster.
      return new Edge(rs.getLong(1), postgresCpuSeconds(rs.getLong(2)), redisCalls, redisCpu);
    }
  }

  /** Counters Postgres's backends report up to a second late: read them once the servers settled. */
  Settled settled() throws SQLException {
    Map<String, long[]> tables = new TreeMap<>();
    Map<String, List<String>> fullIndexes = new HashMap<>();
    Map<String, List<String>> partialIndexes = new HashMap<>();
    Map<String, List<String>> summarizingIndexes = new HashMap<>();
    Map<Long, Object[]> perStatement = new HashMap<>();
    try (Connection conn = Migrations.connect(base, database); Statement statement = conn.createStatement()) {
      try (ResultSet rs = statement.executeQuery(TABLES)) {
        while (rs.next()) {
          tables.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)});
        }
      }
      try (ResultSet rs = statement.executeQuery(INDEXES)) {
        while (rs.next()) {
          (rs.getBoolean(4) ? summarizingIndexes : rs.getBoolean(3) ? partialIndexes : fullIndexes)
              .computeIfAbsent(rs.getString(1), t -> new ArrayList<>()).add(rs.getString(2));
        }
      }
      if (statements) {
        try (ResultSet rs = statement.executeQuery(STATEMENTS)) {
          while (rs.next()) {
            perStatement.merge(rs.getLong(1),
                new Object[] {rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getDouble(6)},
                (a, b) -> a);
          }
        }
      }
    }
    return new Settled(tables, fullIndexes, partialIndexes, summarizingIndexes, perStatement);
  }

  /**
   * Per delivery: Postgres rows and index entries (by table), WAL, CPU, and the busiest statements;
   * Redis commands (by command) and CPU. {@code finalized} rows left the pending state in the window:
   * their outcome write is the one update that no pending-only index takes an entry for.
   */
  JsonObject delta(Edge from, Edge to, Settled before, Settled after, int deliveries, long finalized) {
    JsonObject tables = new JsonObject();
    long indexEntries = 0;
    for (Map.Entry<String, long[]> table : after.tables().entrySet()) {
      long[] a = table.getValue();
      long[] b = before.tables().getOrDefault(table.getKey(), new long[4]);
      long inserts = a[0] - b[0];
      long updates = a[1] - b[1];
      long hot = a[2] - b[2];
      long deletes = a[3] - b[3];
      if (inserts + updates + deletes == 0) {
        continue;
      }
      int full = after.fullIndexes().getOrDefault(table.getKey(), List.of()).size();
      int partial = after.partialIndexes().getOrDefault(table.getKey(), List.of()).size();
      int summarizing = after.summarizingIndexes().getOrDefault(table.getKey(), List.of()).size();
      // Every partial index here is a pending-only one (WHERE status = 'pending'): the due index.
      long pendingVersions = table.getKey().equals("webhook_deliveries")
          ? inserts + updates - hot - finalized : inserts + updates - hot;
      long entries = full * (inserts + updates - hot) + partial * Math.max(0, pendingVersions);
      indexEntries += entries;
      tables.put(table.getKey(), new JsonObject()
          .put("inserts", per(inserts, deliveries))
          .put("updates", per(updates, deliveries))
          .put("hotUpdates", per(hot, deliveries))
          .put("deletes", per(deletes, deliveries))
          .put("indexes", new JsonObject().put("full", full).put("pendingOnly", partial).put("summarizing", summarizing))
          .put("indexEntries", per(entries, deliveries)));
    }
    JsonObject postgres = new JsonObject()
        .put("tables", tables)
        .put("indexEntriesPerDelivery", per(indexEntries, deliveries))
        .put("walBytesPerDelivery", per(to.walLsn() - from.walLsn(), deliveries))
        .put("walMegabytes", BenchReport.round((to.walLsn() - from.walLsn()) / 1_048_576d));
    if (from.postgresCpuSeconds() >= 0 && to.postgresCpuSeconds() >= 0) {
      postgres.put("cpuSeconds", BenchReport.round(to.postgresCpuSeconds() - from.postgresCpuSeconds()));
      postgres.put("cpuMillisPerDelivery",
          round4((to.postgresCpuSeconds() - from.postgresCpuSeconds()) * 1000 / deliveries));
    }
    if (statements) {
      postgres.put("statements", statements(before, after, deliveries));
    }
    JsonObject commands = new JsonObject();
    long total = 0;
    for (Map.Entry<String, Long> command : to.redisCalls().entrySet()) {
      long calls = command.getValue() - from.redisCalls().getOrDefault(command.getKey(), 0L);
      if (calls > 0 && !command.getKey().equals("info")) {
        commands.put(command.getKey(), per(calls, deliveries));
        total += calls;
      }
    }
    JsonObject redisDelta = new JsonObject()
        .put("commandsPerDelivery", per(total, deliveries))
        .put("commands", commands)
        .put("cpuSeconds", BenchReport.round(to.redisCpuSeconds() - from.redisCpuSeconds()))
        .put("cpuMillisPerDelivery", round4((to.redisCpuSeconds() - from.redisCpuSeconds()) * 1000 / deliveries));
    return new JsonObject().put("postgres", postgres).put("redis", redisDelta);
  }

  /** Statements run at least once per 100 deliveries in the window, busiest first. */
  private static JsonArray statements(Settled before, Settled after, int deliveries) {
    return new JsonArray(after.statements().entrySet().stream()
        .map(entry -> {
          Object[] a = entry.getValue();
          Object[] b = before.statements().getOrDefault(entry.getKey(), new Object[] {"", 0L, 0L, 0L, 0d});
          long calls = (long) a[1] - (long) b[1];
          return new JsonObject()
              .put("query", a[0])
              .put("calls", calls)
              .put("callsPerDelivery", per(calls, deliveries))
              .put("rowsPerCall", calls == 0 ? 0 : BenchReport.round((double) ((long) a[2] - (long) b[2]) / calls))
              .put("walBytesPerDelivery", per((long) a[3] - (long) b[3], deliveries))
              .put("execMillisPerDelivery", round4(((double) a[4] - (double) b[4]) / deliveries));
        })
        .filter(s -> s.getLong("calls") * 100 >= deliveries)
        .sorted((x, y) -> Long.compare(y.getLong("calls"), x.getLong("calls")))
        .toList());
  }

  void close() {
    redis.close();
  }

  /**
   * CPU seconds of the Postgres server this connection reaches, if it runs on this machine: the
   * postmaster, every process it started, and what its exited children used (cutime/cstime), from
   * /proc/PID/stat in clock ticks (USER_HZ = 100). -1 when the server is elsewhere.
   */
  private static double postgresCpuSeconds(long backendPid) {
    try {
      if (!Files.readString(Path.of("/proc", Long.toString(backendPid), "comm")).startsWith("postgres")) {
        return -1; // a process of that id here, but the server runs elsewhere
      }
      long postmaster = Long.parseLong(stat(backendPid)[1]);
      long ticks = 0;
      try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
        for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
          long pid = Long.parseLong(proc.getFileName().toString());
          String[] fields;
          try {
            fields = stat(pid);
          } catch (IOException | RuntimeException goneOrUnreadable) {
            continue; // exited between the listing and the read
          }
          if (pid == postmaster) {
            ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
                + Long.parseLong(fields[14]);
          } else if (Long.parseLong(fields[1]) == postmaster) {
            ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
          }
        }
      }
      return ticks / 100d;
    } catch (IOException | RuntimeException notLocal) {
      return -1;
    }
  }

  /** /proc/PID/stat after the command name: [0] state, [1] ppid, … [11] utime, [12] stime, [13] cutime, [14] cstime. */
  private static String[] stat(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  private static double per(long count, int deliveries) {
    return round4((double) count / deliveries);
  }

  private static double round4(double value) {
    return Math.round(value * 10_000) / 10_000d;
  }

  record Edge(long walLsn, double postgresCpuSeconds, Map<String, Long> redisCalls, double redisCpuSeconds) {
  }

  record Settled(Map<String, long[]> tables, Map<String, List<String>> fullIndexes,
                 Map<String, List<String>> partialIndexes, Map<String, List<String>> summarizingIndexes,
                 Map<Long, Object[]> statements) {
  }
}
