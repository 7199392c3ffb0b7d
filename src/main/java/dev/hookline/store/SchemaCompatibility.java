package dev.hookline.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * May this build work against the database's schema? A build knows the migrations in its jar, up
 * to its newest, L. A database migrated past L by a newer build is fine only if every migration
 * above L said so: each inserts a row into {@code hookline_schema_compat} (V14) naming the oldest
 * build that may still run against the schema it makes. A worker checks at start-up (refusing to
 * start) and then every {@code postgres.schemaCheckSeconds} (it stops claiming, says so once at
 * ERROR, in readiness and in {@code hookline_schema_incompatible}). Pre-V14 builds have no such
 * check: see docs/operations.md#upgrading for what must be stopped before which migration.
 */
public final class SchemaCompatibility {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaCompatibility.class);
  private static final String APPLIED = "SELECT (SELECT max(version::int) FROM flyway_schema_history"
      + " WHERE success AND version ~ '^[0-9]+$') AS applied, to_regclass('hookline_schema_compat') IS NOT NULL AS listed";

  private final Pool pool;
  private final int newestKnown;
  /** Null while compatible; written by the periodic check, read by every delivery verticle. */
  private volatile String problem;

  public SchemaCompatibility(Pool pool, int newestKnown) {
    this.pool = pool;
    this.newestKnown = newestKnown;
  }

  /** Whether the delivery pumps may pop and claim; in-flight attempts always finish. */
  public boolean mayClaim() {
    return problem == null;
  }

  /** Why this worker may not claim, or empty. */
  public Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  /**
   * Reads the schema again. A failed read (Postgres away) keeps the last verdict: the claims then
   * fail on their own, and an outage is no reason to call the schema incompatible.
   */
  public Future<Void> recheck() {
    return pool.query(APPLIED).execute()
        .compose(rows -> {
          Row row = rows.iterator().next();
          int applied = row.getInteger("applied") == null ? 0 : row.getInteger("applied");
          if (!row.getBoolean("listed")) {
            return Future.succeededFuture(new Found(applied, new TreeMap<>()));
          }
          return pool.query(aboveSql(newestKnown)).execute().map(listed -> {
            SortedMap<Integer, Integer> above = new TreeMap<>();
            listed.forEach(r -> above.put(r.getInteger("version"), r.getInteger("oldest_worker")));
            return new Found(applied, above);
          });
        })
        .onSuccess(found -> {
          String now = found.problem(newestKnown).orElse(null);
          LOG.debug("schema compatibility check: the database is at v{}, this build's newest migration is v{}: {}",
              found.schemaVersion(), newestKnown, now == null ? "compatible" : now);
          judged(now);
        })
        .mapEmpty();
  }

  private void judged(String now) {
    String before = problem;
    problem = now;
    if (now != null && before == null) {
      LOG.error("This worker has stopped claiming deliveries (attempts in flight finish; /health/ready is down"
          + " and hookline_schema_incompatible is 1 until this changes): {}", now);
    } else if (now == null && before != null) {
      LOG.info("The schema is compatible with this build again (v{}): claiming deliveries again", newestKnown);
    }
  }

  /** Reads the schema's version and the compatibility rows above {@code newestKnown}, blocking (start-up). */
  static Found read(Connection connection, int newestKnown) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      int applied;
      boolean listed;
      try (ResultSet rows = statement.executeQuery(APPLIED)) {
        rows.next();
        applied = rows.getInt("applied");
        listed = rows.getBoolean("listed");
      }
      SortedMap<Integer, Integer> above = new TreeMap<>();
      if (listed) {
        try (ResultSet rows = statement.executeQuery(aboveSql(newestKnown))) {
          while (rows.next()) {
            above.put(rows.getInt("version"), rows.getInt("oldest_worker"));
          }
        }
      }
      return new Found(applied, above);
    }
  }

  private static String aboveSql(int newestKnown) {
    return "SELECT version, oldest_worker FROM hookline_schema_compat WHERE version > " + newestKnown;
  }

  /**
   * What the database says: the newest migration Flyway recorded as applied, and the
   * compatibility rows above this build's newest. A row above {@code applied} is a migration that
   * has started (a migration inserts its row first, so one that runs outside a transaction is
   * seen before it ends) and counts as the schema's version too.
   */
  record Found(int applied, SortedMap<Integer, Integer> oldestWorkerAbove) {
    int schemaVersion() {
      return oldestWorkerAbove.isEmpty() ? applied : Math.max(applied, oldestWorkerAbove.lastKey());
    }

    /** Why a build whose newest migration is {@code newestKnown} must not work against this schema; empty if it may. */
    Optional<String> problem(int newestKnown) {
      int schema = schemaVersion();
      if (schema <= newestKnown) {
        return Optional.empty();
      }
      String versions = "the database's schema is at v" + schema + " but this build's newest migration is v"
          + newestKnown;
      String what = "; run a Hookline build whose migrations reach v" + schema + " (docs/operations.md#upgrading)";
      String missing = IntStream.rangeClosed(newestKnown + 1, schema)
          .filter(v -> !oldestWorkerAbove.containsKey(v))
          .mapToObj(v -> "v" + v).collect(Collectors.joining(", "));
      if (!missing.isEmpty()) {
        return Optional.of(versions + ", and nothing says that older builds may run against " + missing
            + " (no row in hookline_schema_compat)" + what);
      }
      Map.Entry<Integer, Integer> strictest = oldestWorkerAbove.headMap(schema + 1).entrySet().stream()
          .max(Map.Entry.comparingByValue()).orElseThrow();
      if (strictest.getValue() > newestKnown) {
        return Optional.of(versions + ", and v" + strictest.getKey() + " needs workers built with v"
            + strictest.getValue() + " or later (hookline_schema_compat)" + what);
      }
      return Optional.empty();
    }
  }

  /** Start-up found a schema this build must not work against; the message says which and what to do. */
  public static final class TooNewException extends RuntimeException {
    TooNewException(String problem) {
      super("refusing to start: " + problem);
    }
  }
}
