package dev.hookline.store;

import io.vertx.pgclient.PgConnectOptions;
import java.lang.management.ManagementFactory;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the Flyway migrations over JDBC, then checks that this build may work against the
 * schema it finds ({@link SchemaCompatibility}). Blocking by nature: call it from a worker thread
 * ({@code vertx.executeBlocking}), never from an event loop.
 */
public final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
  private static final String INVALID_CATALOG_NAME = "3D000";
  private static final String DUPLICATE_DATABASE = "42P04";
  /** The default of {@code postgres.migrationLockWaitSeconds}, for tools and tests that have no configuration. */
  public static final Duration DEFAULT_LOCK_WAIT = Duration.ofHours(1);
  /** The lock report's first line comes soon (a wait of a second or two is normal), then every 15 s. */
  private static final long LOCK_FIRST_REPORT_SECONDS = 2;
  private static final long LOCK_REPORT_SECONDS = 15;
  /**
   * Flyway's PostgreSQL lock: a session advisory lock on this key (its magic number plus the hash
   * of the quoted history table's name), read here only to say who holds it while we wait.
   */
  private static final long FLYWAY_LOCK_KEY = 77431708279161L + "\"public\".\"flyway_schema_history\"".hashCode();

  /**
   * Migrations rewritten after release so that they no longer block claims, creates and outcomes
   * (issue 23), by version: the checksums Flyway recorded for the released file, and the checksum
   * of the file as it is now. Only a database holding exactly one of the old checksums is realigned
   * (the rewrite changes no schema, see docs/operations.md#upgrading); any other mismatch still
   * stops the migration. Editing one of these files again means adding its current checksum to
   * the old ones and pinning the new one (RewrittenMigrationsTest fails until then).
   */
  static final Map<String, Rewrite> REWRITTEN = Map.ofEntries(
      Map.entry("2", new Rewrite(Set.of(-1813756607), -1311196556)),
      Map.entry("4", new Rewrite(Set.of(-1900935438), -805511743)),
      Map.entry("5", new Rewrite(Set.of(-1719103804), -717502133)),
      Map.entry("6", new Rewrite(Set.of(-1206024876), -650062295)),
      Map.entry("7", new Rewrite(Set.of(1565627511), -1177173937)),
      Map.entry("8", new Rewrite(Set.of(667862064), 222153177)),
      Map.entry("9", new Rewrite(Set.of(370173565), 1417997953)),
      Map.entry("10", new Rewrite(Set.of(-1153202837), -542546620)));

  private Migrations() {
  }

  /**
   * Creates the database when it does not exist yet, migrates, checks compatibility; returns the
   * schema version. Waits up to {@link #DEFAULT_LOCK_WAIT} for another instance's migration.
   */
  public static String apply(PgConnectOptions options) {
    return migrate(options, DEFAULT_LOCK_WAIT, null).schemaVersion();
  }

  /**
   * As {@link #apply(PgConnectOptions)}, waiting up to {@code lockWait} (whole seconds) for the
   * migration lock while another instance migrates, and also saying which migration is the newest
   * this build contains. Throws {@link SchemaCompatibility.TooNewException} when the schema is newer
   * than this build may work with.
   */
  public static Applied migrate(PgConnectOptions options, Duration lockWait) {
    return migrate(options, lockWait, null);
  }

  /**
   * What start-up learns: the newest migration the database has applied, and the newest this
   * build contains (the "L" of {@link SchemaCompatibility}).
   */
  public record Applied(String schemaVersion, int newestKnown) {
  }

  /**
   * As {@link #migrate(PgConnectOptions, Duration)}, stopping at {@code target} (tests of what the
   * migrations do to a database in use); null: the latest. The compatibility check is skipped when
   * a target is given.
   */
  static Applied migrate(PgConnectOptions options, Duration lockWait, String target) {
    ensureDatabase(options);
    String applicationName = "hookline migrations " + ManagementFactory.getRuntimeMXBean().getName();
    long lockSeconds = Math.max(0, (lockWait.toMillis() + 999) / 1_000);
    FluentConfiguration config = Flyway.configure()
        .dataSource(withApplicationName(jdbcUrl(options, options.getDatabase()), applicationName), options.getUser(),
            options.getPassword())
        .locations("classpath:db/migration")
        // Flyway tries the lock, then once a second this many more times.
        .lockRetryCount((int) Math.min(Integer.MAX_VALUE, lockSeconds));
    if (target != null) {
      config.target(target);
    }
    // Flyway's default lock on Postgres is a transaction-scoped advisory lock, so a transaction stays
    // open on its connection for the whole run; CREATE/DROP INDEX CONCURRENTLY (V12, V13) waits for
    // every open transaction and would wait for that one forever. A session lock serializes replicas
    // just as well (the others poll pg_try_advisory_lock) and holds no transaction open.
    config.getConfigurationExtension(PostgreSQLConfigurationExtension.class).setTransactionalLock(false);
    Flyway flyway = config.load();
    realignRewritten(flyway, options);
    ScheduledExecutorService watch = watchTheLock(options, applicationName, lockSeconds);
    try {
      flyway.migrate();
    } catch (FlywayException e) {
      if (String.valueOf(e.getMessage()).contains("advisory lock")) {
        throw new IllegalStateException("gave up waiting for the migration lock after " + lockSeconds + " s"
            + " (postgres.migrationLockWaitSeconds): another instance has been migrating " + options.getDatabase()
            + " for longer than that; start again, or raise the wait", e);
      }
      throw e;
    } finally {
      stop(watch);
    }
    int newestKnown = Arrays.stream(flyway.info().all())
        .filter(info -> info.getState().isResolved() && info.getVersion() != null)
        .mapToInt(info -> Integer.parseInt(info.getVersion().getVersion()))
        .max().orElse(0);
    SchemaCompatibility.Found found;
    try (Connection connection = connect(options, options.getDatabase())) {
      found = SchemaCompatibility.read(connection, newestKnown);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the schema version of " + options.getDatabase() + ": "
          + e.getMessage(), e);
    }
    if (target == null) {
      found.problem(newestKnown).ifPresent(problem -> {
        throw new SchemaCompatibility.TooNewException(problem);
      });
    }
    return new Applied(Integer.toString(found.applied()), newestKnown);
  }

  /**
   * A migration rewritten in place (same version, same resulting schema, new file): databases that
   * applied the released file hold one of {@code oldChecksums}.
   */
  record Rewrite(Set<Integer> oldChecksums, int newChecksum) {
  }

  /** Gives each rewritten migration that a database applied in its released form the checksum of its current file. */
  private static void realignRewritten(Flyway flyway, PgConnectOptions options) {
    if (REWRITTEN.isEmpty()) {
      return;
    }
    for (MigrationInfo info : flyway.info().applied()) {
      Rewrite rewrite = info.getVersion() == null ? null : REWRITTEN.get(info.getVersion().getVersion());
      if (rewrite == null || info.isChecksumMatching() || !rewrite.oldChecksums().contains(info.getAppliedChecksum())
          || !Integer.valueOf(rewrite.newChecksum()).equals(info.getResolvedChecksum())) {
        continue;
      }
      try (Connection connection = connect(options, options.getDatabase());
           PreparedStatement update = connection.prepareStatement("UPDATE flyway_schema_history SET checksum = ?"
               + " WHERE version = ? AND checksum = ? AND success")) {
        update.setInt(1, rewrite.newChecksum());
        update.setString(2, info.getVersion().getVersion());
        update.setInt(3, info.getAppliedChecksum());
        if (update.executeUpdate() > 0) {
          LOG.info("Migration V{} was rewritten to run without blocking deliveries; the database applied the"
              + " released file (checksum {}), which made the same schema: its checksum is now the new file's ({})",
              info.getVersion(), info.getAppliedChecksum(), rewrite.newChecksum());
        }
      } catch (SQLException e) {
        throw new IllegalStateException("cannot realign the checksum of migration V" + info.getVersion() + ": "
            + e.getMessage(), e);
      }
    }
  }

  /**
   * While Flyway waits for its lock it says nothing, and a replica waiting for another's index
   * build looks hung (not ready, no log). This says every few seconds who holds the lock and what
   * it runs, unless the holder is this process itself.
   */
  private static ScheduledExecutorService watchTheLock(PgConnectOptions options, String ownApplicationName,
                                                       long waitSeconds) {
    ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "hookline-migration-lock");
      thread.setDaemon(true);
      return thread;
    });
    long startedNanos = System.nanoTime();
    watch.scheduleWithFixedDelay(() -> {
      try (Connection connection = connect(options, options.getDatabase());
           PreparedStatement holder = connection.prepareStatement("SELECT a.pid, a.application_name,"
               + " coalesce(host(a.client_addr), 'local'), extract(epoch FROM now() - a.backend_start)::bigint,"
               + " left(regexp_replace(a.query, '\\s+', ' ', 'g'), 160)"
               + " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
               + " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ? AND l.objid = ? AND l.objsubid = 1"
               + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
        holder.setLong(1, FLYWAY_LOCK_KEY >>> 32);
        holder.setLong(2, FLYWAY_LOCK_KEY & 0xffffffffL);
        try (ResultSet rows = holder.executeQuery()) {
          if (rows.next() && !ownApplicationName.equals(rows.getString(2))) {
            LOG.info("Waiting for the migration lock of {}: another instance is migrating (backend pid {}, {},"
                    + " from {}, connected {} s, last statement: {}); waited {} s of at most {} s"
                    + " (postgres.migrationLockWaitSeconds); this instance is not ready until it has the lock",
                options.getDatabase(), rows.getInt(1), rows.getString(2), rows.getString(3), rows.getLong(4),
                rows.getString(5), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos), waitSeconds);
          }
        }
      } catch (SQLException | RuntimeException e) {
        LOG.debug("could not look at the migration lock: {}", e.toString());
      }
    }, LOCK_FIRST_REPORT_SECONDS, LOCK_REPORT_SECONDS, TimeUnit.SECONDS);
    return watch;
  }

  /** Stops the lock report and waits for a look in progress, so no connection of it outlives the migration. */
  private static void stop(ScheduledExecutorService watch) {
    watch.shutdownNow();
    try {
      watch.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void ensureDatabase(PgConnectOptions options) {
    try (Connection ignored = connect(options, options.getDatabase())) {
      return;
    } catch (SQLException e) {
      if (!INVALID_CATALOG_NAME.equals(e.getSQLState())) {
        throw new IllegalStateException("cannot connect to Postgres database " + options.getDatabase()
            + " at " + options.getHost() + ":" + options.getPort() + ": " + e.getMessage(), e);
      }
    }
    try (Connection admin = connect(options, "postgres"); Statement statement = admin.createStatement()) {
      statement.execute("CREATE DATABASE " + quoteIdentifier(options.getDatabase()));
      LOG.info("Created database {}", options.getDatabase());
    } catch (SQLException e) {
      // Replicas started together on a fresh server race to create it; losing that race is fine.
      // Flyway's advisory lock then serializes their migrations.
      if (DUPLICATE_DATABASE.equals(e.getSQLState()) || isConcurrentCreate(e)) {
        LOG.info("Database {} was created by another instance meanwhile", options.getDatabase());
        return;
      }
      throw new IllegalStateException("database " + options.getDatabase() + " does not exist and could not be created: "
          + e.getMessage(), e);
    }
  }

  /**
   * Two CREATE DATABASE statements for the same name can also collide on the catalog's unique
   * index before either commits (23505 on pg_database_datname_index).
   */
  private static boolean isConcurrentCreate(SQLException e) {
    return "23505".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("pg_database");
  }

  /** A plain JDBC connection for blocking tools (migrations, the bench's measurements). */
  public static Connection connect(PgConnectOptions options, String database) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", options.getUser());
    if (options.getPassword() != null) {
      props.setProperty("password", options.getPassword());
    }
    return DriverManager.getConnection(jdbcUrl(options, database), props);
  }

  /** Carries the TLS mode over, so migrations are no less protected than the runtime pool. */
  static String jdbcUrl(PgConnectOptions options, String database) {
    String base = "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + database;
    return options.getSslMode() == null ? base
        : base + "?sslmode=" + options.getSslMode().name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Names the migrating session in pg_stat_activity, for operators and for the lock report above. */
  private static String withApplicationName(String url, String name) {
    return url + (url.contains("?") ? "&" : "?") + "ApplicationName=" + URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  static String quoteIdentifier(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }
}
