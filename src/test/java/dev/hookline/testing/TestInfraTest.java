package dev.hookline.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
