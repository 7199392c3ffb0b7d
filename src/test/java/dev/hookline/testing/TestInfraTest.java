package dev.hookline.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The helpers' own contract: one reused connection, replaced once when it was dropped. */
class TestInfraTest {
  private TestInfra infra;
  private TestInfra other;

  @BeforeEach
  void setUp() {
    infra = TestInfra.create();
  }

  @AfterEach
  void tearDown() {
    try {
      infra.close();
    } finally {
      if (other != null) {
        other.close();
      }
    }
  }

  private int backendPid() {
    return (Integer) infra.sql("SELECT pg_backend_pid()").get(0).get(0);
  }

  @Test
  void everyStatementRunsOnTheSameConnection() {
    int first = backendPid();

    infra.sql("CREATE TABLE t (n int)");
    infra.sql("INSERT INTO t VALUES (?)", 1);

    assertThat(backendPid()).isEqualTo(first);
    assertThat(infra.sql("SELECT n FROM t")).containsExactly(List.of(1));
  }

  @Test
  void aTerminatedSessionIsReplacedAndTheStatementSentAgain() {
    int first = backendPid();
    other = TestInfra.create();

    assertThat(other.sql("SELECT pg_terminate_backend(?)", first).get(0).get(0)).isEqualTo(true);

    int second = backendPid();
    assertThat(second).isNotEqualTo(first);
    assertThat(backendPid()).isEqualTo(second);
  }

  @Test
  void aFailingStatementOnALiveConnectionIsNotSentAgain() {
    infra.sql("CREATE TABLE t (n int PRIMARY KEY)");
    infra.sql("CREATE SEQUENCE tries");
    int pid = backendPid();

    assertThatThrownBy(() -> infra.sql("INSERT INTO t SELECT nextval('tries')::int UNION ALL SELECT 1"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("duplicate key");

    assertThat(infra.sql("SELECT last_value FROM tries").get(0).get(0)).isEqualTo(1L);
    assertThat(backendPid()).isEqualTo(pid);
  }

  @Test
  void truncationEmptiesEveryTableButFlywaysHistoryAndRestartsEveryId() {
    infra.sql("CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version text)");
    infra.sql("INSERT INTO flyway_schema_history VALUES (1, '1')");
    infra.sql("CREATE TABLE parent (id bigserial PRIMARY KEY)");
    infra.sql("CREATE TABLE child (id bigint GENERATED ALWAYS AS IDENTITY, parent_id bigint REFERENCES parent)");
    infra.sql("CREATE TABLE emptied (id bigserial PRIMARY KEY)");
    infra.sql("INSERT INTO parent DEFAULT VALUES");
    infra.sql("INSERT INTO parent DEFAULT VALUES");
    infra.sql("INSERT INTO child (parent_id) VALUES (2)");
    infra.sql("INSERT INTO emptied DEFAULT VALUES");
    infra.sql("DELETE FROM emptied");

    infra.truncateTables();

    assertThat(infra.sql("SELECT (SELECT count(*) FROM parent) + (SELECT count(*) FROM child)").get(0).get(0))
        .isEqualTo(0L);
    assertThat(infra.sql("SELECT version FROM flyway_schema_history")).containsExactly(List.of("1"));
    assertThat(infra.sql("INSERT INTO parent DEFAULT VALUES RETURNING id")).containsExactly(List.of(1L));
    assertThat(infra.sql("INSERT INTO child (parent_id) VALUES (1) RETURNING id")).containsExactly(List.of(1L));
    assertThat(infra.sql("INSERT INTO emptied DEFAULT VALUES RETURNING id")).containsExactly(List.of(1L));
  }

  @Test
  void theSchemaFingerprintChangesWithWhatTruncationDoesNotUndo() {
    infra.sql("CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, success boolean)");
    infra.sql("INSERT INTO flyway_schema_history VALUES (1, true)");
    infra.sql("CREATE TABLE t (n int DEFAULT 1)");
    String before = infra.schemaFingerprint();

    infra.sql("INSERT INTO t VALUES (5)");
    assertThat(infra.schemaFingerprint()).as("rows").isEqualTo(before);

    infra.sql("ALTER TABLE t ALTER COLUMN n SET DEFAULT 2");
    assertThat(infra.schemaFingerprint()).as("a column default").isNotEqualTo(before);
    infra.sql("ALTER TABLE t ALTER COLUMN n SET DEFAULT 1");
    assertThat(infra.schemaFingerprint()).as("the default put back").isEqualTo(before);

    infra.sql("ALTER TABLE t ADD CONSTRAINT small CHECK (n < 10)");
    assertThat(infra.schemaFingerprint()).as("a constraint").isNotEqualTo(before);
    infra.sql("ALTER TABLE t DROP CONSTRAINT small");

    infra.sql("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$");
    assertThat(infra.schemaFingerprint()).as("a function").isNotEqualTo(before);
    infra.sql("CREATE TRIGGER refuse BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION refuse()");
    String withFunction = infra.schemaFingerprint();
    infra.sql("DROP TRIGGER refuse ON t");
    assertThat(infra.schemaFingerprint()).as("a trigger").isNotEqualTo(withFunction);
    infra.sql("DROP FUNCTION refuse()");

    infra.sql("UPDATE flyway_schema_history SET success = false");
    assertThat(infra.schemaFingerprint()).as("Flyway's history").isNotEqualTo(before);
    infra.sql("UPDATE flyway_schema_history SET success = true");

    assertThat(infra.schemaFingerprint()).isEqualTo(before);
  }

  @Test
  void waitingForNoOtherSessionFailsNamingTheOneStillThereAndPassesOnceItIsGone() throws SQLException {
    infra.sql("SELECT 1");
    try (Connection other = DriverManager.getConnection(infra.jdbcUrl(), "postgres", null)) {
      other.createStatement().execute("SET application_name = 'left-over'");

      assertThatThrownBy(() -> infra.awaitNoOtherSessions(Duration.ofMillis(300)))
          .isInstanceOf(AssertionError.class).hasMessageContaining("left-over");
    }

    infra.awaitNoOtherSessions(Duration.ofSeconds(10));
  }
}
