package dev.hookline.store;

import io.vertx.pgclient.PgConnectOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the Flyway migrations over JDBC. Blocking by nature: call it from a worker thread
 * ({@code vertx.executeBlocking}), never from an event loop.
 */
public final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
  private static final String INVALID_CATALOG_NAME = "3D000";
  private static final String DUPLICATE_DATABASE = "42P04";

  private Migrations() {
  }

  /** Creates the database when it does not exist yet, then migrates; returns the schema version. */
  public static String apply(PgConnectOptions options) {
    ensureDatabase(options);
    FluentConfiguration config = Flyway.configure()
        .dataSource(jdbcUrl(options, options.getDatabase()), options.getUser(), options.getPassword())
        .locations("classpath:db/migration");
    // Flyway's default lock on Postgres is a transaction-scoped advisory lock, so a transaction stays
    // open on its connection for the whole run; CREATE/DROP INDEX CONCURRENTLY (V12, V13) waits for
    // every open transaction and would wait for that one forever. A session lock serializes replicas
    // just as well (the others poll pg_try_advisory_lock) and holds no transaction open.
    config.getConfigurationExtension(PostgreSQLConfigurationExtension.class).setTransactionalLock(false);
    Flyway flyway = config.load();
    MigrateResult result = flyway.migrate();
    return result.targetSchemaVersion != null ? result.targetSchemaVersion
        : flyway.info().current() == null ? "none" : flyway.info().current().getVersion().getVersion();
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

  static String quoteIdentifier(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }
}
