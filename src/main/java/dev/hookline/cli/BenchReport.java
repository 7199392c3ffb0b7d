package dev.hookline.cli;

import dev.hookline.store.Migrations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * What the bench reads back from its database once every measured delivery is final. Only rows
 * with an id above {@code afterId} count, so a warm-up never leaks into the figures. Latency is
 * create (the row's created_at) to the receiver's answer (attempt start + duration).
 */
final class BenchReport {
  private static final String LATENCY = "SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ms),"
      + " max(ms) FROM (SELECT extract(epoch FROM a.started_at - d.created_at) * 1000 + a.duration_ms AS ms"
      + " FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"
      + " WHERE a.outcome = 'succeeded' AND d.id > ?) t";

  // When each measured delivery became final, in order: the first and the last window's pace.
  private static final String WINDOWS = "WITH f AS (SELECT a.started_at + a.duration_ms * interval '1 ms' AS t"
      + " FROM webhook_delivery_attempts a WHERE a.delivery_id > ? AND a.outcome <> 'retry'),"
      + " o AS (SELECT t, row_number() OVER (ORDER BY t) AS n, count(*) OVER () AS total FROM f)"
      + " SELECT (SELECT t FROM o WHERE n = ?), (SELECT t FROM o WHERE n = total - ?), (SELECT max(t) FROM o),"
      + " (SELECT max(total) FROM o)";

  // Final deliveries per step of S seconds from the measured start (empty steps left out).
  private static final String TIMELINE = "SELECT floor(extract(epoch FROM a.started_at + a.duration_ms * interval '1 ms'"
      + " - ?::timestamptz) / ?::int)::int AS step, count(*) FROM webhook_delivery_attempts a WHERE a.delivery_id > ?"
      + " AND a.outcome <> 'retry' GROUP BY step ORDER BY step";

  private final PgConnectOptions base;
  private final String database;
  private final long afterId;

  BenchReport(PgConnectOptions base, String database, long afterId) {
    this.base = base;
    this.database = database;
    this.afterId = afterId;
  }

  String database() {
    return database;
  }

  JsonObject latencyMs() throws SQLException {
    try (Connection conn = Migrations.connect(base, database); PreparedStatement statement = conn.prepareStatement(LATENCY)) {
      statement.setLong(1, afterId);
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        Double[] p = (Double[]) rs.getArray(1).getArray();
        return new JsonObject().put("p50", round(p[0])).put("p95", round(p[1])).put("p99", round(p[2]))
            .put("max", round(rs.getDouble(2)));
      }
    }
  }

  /**
   * Deliveries per second over the first and the last {@code window} deliveries to become final:
   * the first from the measured start, the last up to the final one. Equal paces mean nothing
   * (bloat, a growing index, a leak) slowed the run down as it went.
   */
  JsonObject windows(Instant start, int window) throws SQLException {
    try (Connection conn = Migrations.connect(base, database); PreparedStatement statement = conn.prepareStatement(WINDOWS)) {
      statement.setLong(1, afterId);
      statement.setLong(2, window);
      statement.setLong(3, window);
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        Timestamp firstEnd = rs.getTimestamp(1);
        Timestamp lastStart = rs.getTimestamp(2);
        Timestamp end = rs.getTimestamp(3);
        JsonObject windows = new JsonObject().put("size", window);
        if (firstEnd != null && lastStart != null && end != null) {
          windows.put("firstPerSecond", round(window / seconds(start, firstEnd.toInstant())));
          windows.put("lastPerSecond", round(window / seconds(lastStart.toInstant(), end.toInstant())));
        }
        return windows;
      }
    }
  }

  /**
   * Deliveries per second in each {@code step}-second slice of the measured window, from its start:
   * how long a cold JVM takes to reach its warm pace. The last slice is usually partial.
   */
  JsonObject timeline(Instant start, int step) throws SQLException {
    try (Connection conn = Migrations.connect(base, database); PreparedStatement statement = conn.prepareStatement(TIMELINE)) {
      statement.setObject(1, start.atOffset(java.time.ZoneOffset.UTC));
      statement.setInt(2, step);
      statement.setLong(3, afterId);
      JsonArray perSecond = new JsonArray();
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          int index = Math.max(0, rs.getInt(1));
          while (perSecond.size() <= index) {
            perSecond.add(0d);
          }
          perSecond.set(index, round(perSecond.getDouble(index) + rs.getLong(2) / (double) step));
        }
      }
      return new JsonObject().put("stepSeconds", step).put("perSecond", perSecond);
    }
  }

  /** A count or sum over the measured rows: {@code sql} takes the warm-up's last id as its one parameter. */
  long measured(String sql) throws SQLException {
    return single(base, database, sql, afterId);
  }

  /** The first column of the first row of {@code sql} on {@code database}, 0 when there is none. */
  static long single(PgConnectOptions base, String database, String sql, Object... params) throws SQLException {
    try (Connection conn = Migrations.connect(base, database); PreparedStatement statement = conn.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  private static double seconds(Instant from, Instant to) {
    return Math.max(1, to.toEpochMilli() - from.toEpochMilli()) / 1000d;
  }

  static double round(double value) {
    return Math.round(value * 100) / 100d;
  }
}
