package dev.hookline.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A private database and Redis key prefix for one test class, so runs never see each other's
 * leftovers; {@link #close()} drops both. Base URLs come from HOOKLINE_TEST_POSTGRES_URL /
 * HOOKLINE_TEST_REDIS_URL, defaulting to the local services.
 */
public final class TestInfra implements AutoCloseable {
  private static final String PG_HOST = env("HOOKLINE_TEST_PG_HOSTPORT", "127.0.0.1:5432");
  private static final String PG_USER = env("HOOKLINE_TEST_PG_USER", "postgres");
  public static final String REDIS_URL = env("HOOKLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379");

  /** A fixed test key, so stores built by a test and by Hookline open each other's ciphertexts. */
  public static final String SECRET_KEY = "test-1:" + java.util.Base64.getEncoder().encodeToString(new byte[32]);

  public final String database;
  public final String keyPrefix;
  /** {@link #sql}'s connection, opened at first use; guarded by this. */
  private Connection connection;

  private TestInfra(String database, String keyPrefix) {
    this.database = database;
    this.keyPrefix = keyPrefix;
  }

  public static TestInfra create() {
    TestInfra infra = withoutDatabase();
    infra.admin("CREATE DATABASE " + infra.database);
    return infra;
  }

  /** A name and prefix only: the database does not exist yet (Hookline is to create it). */
  public static TestInfra withoutDatabase() {
    String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    return new TestInfra("hookline_test_" + suffix, "hltest-" + suffix);
  }

  public String postgresUrl() {
    return "postgresql://" + PG_USER + "@" + PG_HOST + "/" + database;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + PG_HOST + "/" + database;
  }

  /** A config with durations small enough that retries and leases play out in a test. */
  public JsonObject config() {
    return new JsonObject()
        .put("postgres", new JsonObject().put("url", postgresUrl()).put("poolSize", 4))
        .put("redis", new JsonObject().put("url", REDIS_URL).put("keyPrefix", keyPrefix).put("shards", 3))
        .put("delivery", new JsonObject()
            .put("maxAttempts", 5)
            .put("baseDelaySeconds", 0.05)
            .put("maxDelaySeconds", 0.2)
            .put("timeoutSeconds", 1.0)
            .put("leaseSeconds", 2.5)
            .put("instances", 2)
            .put("maxInFlight", 32)
            .put("idlePollSeconds", 0.2)
            .put("shutdownGraceSeconds", 2)
            // Off unless a test is about it: many tests fail one receiver on purpose.
            .put("circuitFailureThreshold", 0))
        .put("sweep", new JsonObject().put("intervalSeconds", 0.3).put("pageSize", 50))
        .put("http", new JsonObject().put("port", 0))
        .put("metrics", new JsonObject().put("refreshSeconds", 0.2))
        // Local receivers live on loopback, which the destination guard refuses unless opened.
        .put("security", new JsonObject().put("allowedNetworks", new io.vertx.core.json.JsonArray().add("127.0.0.0/8"))
            .put("secretKeys", new io.vertx.core.json.JsonArray().add(SECRET_KEY)));
  }

  /**
   * A new connection to this database that the caller owns and closes, e.g. to hold a transaction
   * (and its locks) open while Hookline works.
   */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), PG_USER, null);
  }

  /**
   * Runs SQL on this class's database from the test thread (never an event loop), on one
   * connection opened at first use and kept until {@link #close()}. A connection that was dropped
   * (the server restarted, the session was terminated) is replaced once and the statement sent
   * again: a statement whose reply was lost with the connection may then run twice. Autocommit; the
   * connection outlives the test, so leave no session state on it (SET, temporary tables).
   */
  public synchronized List<List<Object>> sql(String sql, Object... params) {
    try {
      return run(connection(), sql, params);
    } catch (SQLException e) {
      if (!connectionLost()) {
        throw new IllegalStateException(sql + ": " + e.getMessage(), e);
      }
    }
    closeConnection();
    try {
      return run(connection(), sql, params);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + " (on a new connection, the last one was lost): " + e.getMessage(), e);
    }
  }

  private static List<List<Object>> run(Connection conn, String sql, Object... params) throws SQLException {
    try (var statement = conn.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setObject(i + 1, params[i]);
      }
      List<List<Object>> rows = new ArrayList<>();
      if (statement.execute()) {
        try (var rs = statement.getResultSet()) {
          int columns = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            List<Object> row = new ArrayList<>(columns);
            for (int c = 1; c <= columns; c++) {
              row.add(rs.getObject(c));
            }
            rows.add(row);
          }
        }
      }
      return rows;
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      connection = DriverManager.getConnection(jdbcUrl(), PG_USER, null);
    }
    return connection;
  }

  private boolean connectionLost() {
    try {
      return connection == null || !connection.isValid(5);
    } catch (SQLException e) {
      return true;
    }
  }

  private synchronized void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // Already gone: the point is to let go of it.
      } finally {
        connection = null;
      }
    }
  }

  /** Every row of every table of this database as text, bytea columns also decoded as UTF-8; by table. */
  public Map<String, String> databaseText() {
    Map<String, String> tables = new LinkedHashMap<>();
    for (List<Object> name : sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        + " ORDER BY table_name")) {
      String table = (String) name.get(0);
      StringBuilder text = new StringBuilder();
      for (List<Object> row : sql("SELECT t::text FROM \"" + table + "\" t")) {
        text.append(row.get(0)).append('\n');
      }
      for (List<Object> column : sql("SELECT column_name FROM information_schema.columns"
          + " WHERE table_schema = 'public' AND table_name = ? AND data_type = 'bytea'", table)) {
        for (List<Object> row : sql("SELECT \"" + column.get(0) + "\" FROM \"" + table + "\"")) {
          if (row.get(0) instanceof byte[] bytes) {
            text.append(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)).append('\n');
          }
        }
      }
      tables.put("table " + table, text.toString());
    }
    return tables;
  }

  /**
   * Empties every table but Flyway's history and restarts every sequence, so a class's database is
   * as the migrations left it. Only the tables that hold rows are truncated (a truncation costs
   * a commit with new files for each table and index, most of the time this takes). Waits at most
   * 10 s for a lock, then fails: only a session of an earlier test could hold one (see
   * {@link #awaitNoOtherSessions}).
   */
  public void truncateTables() {
    List<String> tables = sql("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'"
        + " AND tablename <> 'flyway_schema_history' ORDER BY tablename").stream()
        .map(row -> (String) row.get(0)).toList();
    if (tables.isEmpty()) {
      return;
    }
    List<String> filled = sql(tables.stream().map(table -> "SELECT '" + table + "' WHERE EXISTS (SELECT FROM " + table + ")")
        .collect(java.util.stream.Collectors.joining(" UNION ALL "))).stream().map(row -> (String) row.get(0)).toList();
    if (!filled.isEmpty()) {
      sql("SET lock_timeout = '10s'");
      try {
        sql("TRUNCATE " + String.join(", ", filled) + " CASCADE");
      } finally {
        sql("RESET lock_timeout");
      }
    }
    // As RESTART IDENTITY, also for the empty tables, whose ids may have moved on (a rolled-back insert).
    sql("SELECT setval(c.oid::regclass, s.seqstart, false) FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid"
        + " WHERE c.relnamespace = 'public'::regnamespace");
  }

  /**
   * The schema's objects, one line each: tables, columns and their defaults, constraints, indexes,
   * triggers, functions, storage options (Flyway's history table too, but not its rows).
   */
  private static final String SCHEMA_OBJECTS = " SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type"
      + "   || ' ' || is_nullable || ' ' || coalesce(column_default, '') FROM information_schema.columns"
      + "   WHERE table_schema = 'public'"
      + " UNION ALL SELECT 'relation ' || relname || ' ' || relkind::text || ' ' || coalesce(array_to_string(reloptions, ','), '')"
      + "   FROM pg_class WHERE relnamespace = 'public'::regnamespace"
      + " UNION ALL SELECT 'constraint ' || conrelid::regclass || '.' || conname || ' ' || pg_get_constraintdef(oid)"
      + "   FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
      + " UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'"
      + " UNION ALL SELECT 'trigger ' || tgrelid::regclass || '.' || tgname || ' ' || tgenabled::text FROM pg_trigger"
      + "   WHERE NOT tgisinternal"
      + " UNION ALL SELECT 'function ' || oid::regprocedure || ' ' || md5(prosrc) FROM pg_proc"
      + "   WHERE pronamespace = 'public'::regnamespace";

  /**
   * What a test could change of the schema that truncation does not undo: the schema's objects,
   * Flyway's history and database-level settings, as one digest.
   */
  public String schemaFingerprint() {
    return (String) sql("SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM ("
        + SCHEMA_OBJECTS
        + " UNION ALL SELECT 'flyway ' || f::text FROM flyway_schema_history f"
        + " UNION ALL SELECT 'setting ' || array_to_string(setconfig, ',') FROM pg_db_role_setting s"
        + "   JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()"
        + ") items(item)").get(0).get(0);
  }

  /**
   * The schema's objects (not Flyway's history rows), sorted, with each column's position, whether each
   * index is valid and each constraint validated: two databases with equal lists have the same
   * schema whatever way their migrations took.
   */
  public List<String> schemaObjects() {
    return sql("SELECT item FROM (" + SCHEMA_OBJECTS
        + " UNION ALL SELECT 'column position ' || table_name || '.' || column_name || ' ' || ordinal_position"
        + "   FROM information_schema.columns WHERE table_schema = 'public'"
        + " UNION ALL SELECT 'index valid ' || indexrelid::regclass || ' ' || indisvalid || ' ' || indisready FROM pg_index"
        + "   WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)"
        + " UNION ALL SELECT 'constraint validated ' || conname || ' ' || convalidated FROM pg_constraint"
        + "   WHERE connamespace = 'public'::regnamespace"
        + ") items(item) ORDER BY item").stream().map(row -> (String) row.get(0)).toList();
  }

  /**
   * Waits until no other client is connected to this database (a Hookline, pool or tool of an
   * earlier test), failing after {@code timeout} with the sessions still there.
   */
  public void awaitNoOtherSessions(java.time.Duration timeout) {
    String others = "SELECT pid, application_name, state, left(query, 200) FROM pg_stat_activity"
        + " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'";
    Await.until("no other session on database " + database, timeout, () -> sql(others).isEmpty(),
        () -> "still connected (pid, application, state, last query): " + sql(others));
  }

  /**
   * A new database (and key prefix) holding a copy of this one's (CREATE DATABASE ... TEMPLATE): this
   * one's connection is closed first, and no other session may be connected to it.
   */
  public TestInfra copy() {
    closeConnection();
    TestInfra copy = withoutDatabase();
    admin("CREATE DATABASE " + copy.database + " TEMPLATE " + database);
    return copy;
  }

  /** Drops this database and creates it again, empty (the caller migrates it). */
  public void recreate() {
    closeConnection();
    admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    admin("CREATE DATABASE " + database);
  }

  public long count(String where, Object... params) {
    return ((Number) sql("SELECT count(*) FROM webhook_deliveries WHERE " + where, params).get(0).get(0)).longValue();
  }

  /** Deletes every key under this class's prefix. */
  public void flushRedis(Vertx vertx) {
    Redis redis = Redis.createClient(vertx, REDIS_URL);
    try {
      String cursor = "0";
      do {
        Response page = redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(keyPrefix + ":*")
            .arg("COUNT").arg(1000)).await();
        cursor = page.get(0).toString();
        for (Response key : page.get(1)) {
          redis.send(Request.cmd(Command.DEL).arg(key.toString())).await();
        }
      } while (!"0".equals(cursor));
    } finally {
      redis.close();
    }
  }

  @Override
  public void close() {
    closeConnection();
    Vertx vertx = Vertx.vertx();
    try {
      flushRedis(vertx);
    } finally {
      vertx.close().await();
    }
    admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
  }

  private void admin(String sql) {
    try (Connection conn = DriverManager.getConnection("jdbc:postgresql://" + PG_HOST + "/postgres", PG_USER, null);
         Statement statement = conn.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
