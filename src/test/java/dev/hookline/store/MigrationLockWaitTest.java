package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hookline.testing.Await;
import dev.hookline.testing.LogCapture;
import dev.hookline.testing.SchemaVersions;
import dev.hookline.testing.TestInfra;
import io.vertx.pgclient.PgConnectOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A replica that starts while another instance migrates (say, V12's index builds on a large table)
 * waits for Flyway's lock as long as {@code postgres.migrationLockWaitSeconds} says, and says who
 * holds it meanwhile. "Another instance" is a session holding Flyway's own advisory lock: if this
 * test took the wrong key, nothing would wait.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MigrationLockWaitTest {
  /** Flyway's PostgreSQL lock: its magic number plus the hash of the quoted history table name. */
  private static final long FLYWAY_LOCK = 77431708279161L + "\"public\".\"flyway_schema_history\"".hashCode();

  private TestInfra infra;
  private Connection otherInstance;
  private LogCapture log;

  @BeforeEach
  void setUp() throws SQLException {
    infra = TestInfra.create();
    otherInstance = DriverManager.getConnection(infra.jdbcUrl() + "?ApplicationName=another-instance", "postgres",
        null);
    lock("pg_advisory_lock");
    log = LogCapture.of(Migrations.class);
  }

  @AfterEach
  void tearDown() throws SQLException {
    log.close();
    otherInstance.close();
    infra.close();
  }

  private void lock(String function) throws SQLException {
    try (PreparedStatement statement = otherInstance.prepareStatement("SELECT " + function + "(?)")) {
      statement.setLong(1, FLYWAY_LOCK);
      statement.execute();
    }
  }

  private PgConnectOptions options() {
    return PgConnectOptions.fromUri(infra.postgresUrl());
  }

  @Test
  void aReplicaWaitsForTheLockSayingWhoHoldsItAndMigratesOnceItIsFree() throws Exception {
    CompletableFuture<Migrations.Applied> migrating = CompletableFuture.supplyAsync(
        () -> Migrations.migrate(options(), Duration.ofSeconds(40)));

    Await.until("a line saying who holds the migration lock", Duration.ofSeconds(20),
        () -> log.messages().stream().anyMatch(line -> line.contains("Waiting for the migration lock")));
    assertThat(log.messages()).filteredOn(line -> line.contains("Waiting for the migration lock")).first().asString()
        .contains("another-instance").contains("postgres.migrationLockWaitSeconds").contains("at most 40 s");
    assertThat(migrating).isNotDone();

    lock("pg_advisory_unlock");

    assertThat(migrating.get(30, TimeUnit.SECONDS).schemaVersion()).isEqualTo(SchemaVersions.latest());
  }

  @Test
  void itGivesUpAfterTheConfiguredWaitAndSaysWhichKeyToRaise() {
    long started = System.nanoTime();

    assertThatThrownBy(() -> Migrations.migrate(options(), Duration.ofSeconds(3)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("gave up waiting for the migration lock after 3 s (postgres.migrationLockWaitSeconds)");

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(15));
  }
}
