package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.testing.SchemaVersions;
import dev.hookline.testing.TestInfra;
import io.vertx.pgclient.PgConnectOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** V7 counts the recorded attempts of rows written before it from their attempt log. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BudgetBackfillTest {
  private TestInfra infra;

  @BeforeEach
  void setUp() {
    infra = TestInfra.create();
    // Through Migrations: its session lock lets the CONCURRENTLY builds of V2 and later finish (Flyway's
    // default transactional lock keeps a transaction open that they would wait for forever).
    Migrations.migrate(PgConnectOptions.fromUri(infra.postgresUrl()), Migrations.DEFAULT_LOCK_WAIT, "6");
  }

  @AfterEach
  void tearDown() {
    infra.close();
  }

  /** A row with {@code claims} attempts counted, the first {@code logged} of them with an attempt-log row. */
  private long insert(long run, String status, int claims, int logged) {
    long id = (Long) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, max_attempts, status, attempt_count)"
        + " VALUES (gen_random_uuid(), 7, ?, 'n', 'https://r.example.com/', 'POST', '{}', 5, ?, ?) RETURNING id",
        run, status, claims).get(0).get(0);
    for (int attempt = 1; attempt <= logged; attempt++) {
      infra.sql("INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome)"
          + " VALUES (?, ?, now(), 1, 'retry')", id, attempt);
    }
    return id;
  }

  @Test
  void aRowRetriedAfterItsDeadLetterStartsItsBudgetAtThatAttempt() {
    // Dead-lettered at attempt 5, retried with a fresh budget of 5 (max_attempts 10), attempt 6 a retry.
    long replayed = insert(1, "pending", 6, 6);
    infra.sql("UPDATE webhook_delivery_attempts SET outcome = 'dead_letter' WHERE delivery_id = ? AND attempt = 5",
        replayed);
    infra.sql("UPDATE webhook_deliveries SET max_attempts = 10 WHERE id = ?", replayed);

    Migrations.apply(PgConnectOptions.fromUri(infra.postgresUrl()));

    assertThat(budget(replayed)).as("recorded in this budget, budget start").containsExactly(1, 5);
  }

  private List<Object> budget(long id) {
    return infra.sql("SELECT recorded_attempts, budget_start FROM webhook_deliveries WHERE id = ?", id).get(0);
  }

  @Test
  void pendingRowsCountTheirLoggedOutcomesAndAFinalAttemptLostBeforeTheUpgradeIsSentAgain() {
    long waiting = insert(1, "pending", 2, 2);       // two retries recorded, waiting for the third
    long inFlight = insert(2, "pending", 3, 2);      // attempt 3 on the wire during the upgrade
    long lostLast = insert(3, "pending", 5, 4);      // the last attempt's worker died before V7
    long done = insert(4, "succeeded", 1, 1);

    assertThat(Migrations.apply(PgConnectOptions.fromUri(infra.postgresUrl()))).isEqualTo(SchemaVersions.latest());

    assertThat(budget(waiting)).containsExactly(2, 0);
    assertThat(budget(inFlight)).containsExactly(2, 0);
    assertThat(budget(lostLast)).containsExactly(4, 0);
    assertThat(budget(done)).as("final rows are not rewritten").containsExactly(0, 0);
    infra.sql("UPDATE webhook_deliveries SET scheduled_for = now() - interval '1 second'");
    assertThat(infra.sql("SELECT id FROM webhook_deliveries WHERE recorded_attempts < max_attempts - budget_start"
        + " AND attempt_count - budget_start - recorded_attempts < 3 AND status = 'pending' ORDER BY id"))
        .as("claimable again").containsExactly(List.of(waiting), List.of(inFlight), List.of(lostLast));
  }
}
