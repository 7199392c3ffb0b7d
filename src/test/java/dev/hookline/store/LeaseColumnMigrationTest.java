package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.domain.AttemptLog;
import dev.hookline.domain.AttemptOutcome;
import dev.hookline.domain.ClaimResult;
import dev.hookline.domain.ClaimedDelivery;
import dev.hookline.domain.DueRef;
import dev.hookline.domain.OriginRooms;
import dev.hookline.domain.OutcomeWrite;
import dev.hookline.domain.OverduePage;
import dev.hookline.testing.SchemaVersions;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * V11-V13 (issue 17) on a database that was in use: rows pending and due, pending under a lease
 * taken the old way (in scheduled_for), and final. The old lease must hold, the new indexes must be
 * valid and the old ones gone, and delivery must go on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeaseColumnMigrationTest {
  private static final OriginRooms ANY_ROOM = new OriginRooms(Map.of(), 1_000);
  private static final long TOKEN = 42;
  private static final AttemptLog LOG = new AttemptLog(Instant.now(), 12, null, null, null, null, null, null);

  private TestInfra infra;
  private Vertx vertx;
  private Pool pool;

  @BeforeEach
  void setUp() {
    infra = TestInfra.create();
    // Through Migrations: its session lock lets the CONCURRENTLY builds of V2 and later finish (Flyway's
    // default transactional lock keeps a transaction open that they would wait for forever).
    Migrations.migrate(PgConnectOptions.fromUri(infra.postgresUrl()), Migrations.DEFAULT_LOCK_WAIT, "10");
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    try {
      if (pool != null) {
        pool.close().await();
      }
      vertx.close().await();
    } finally {
      infra.close();
    }
  }

  private long insert(long run, String status, int attempts, String scheduledFor) {
    return (Long) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, max_attempts, status, attempt_count, scheduled_for)"
        + " VALUES (gen_random_uuid(), 7, ?, 'n', 'https://r.example.com/', 'POST', '{}', 5, ?, ?, now() + ?::interval)"
        + " RETURNING id", run, status, attempts, scheduledFor).get(0).get(0);
  }

  @Test
  void aLeaseTakenBeforeTheUpgradeHoldsAndDeliveryGoesOn() {
    long due = insert(1, "pending", 0, "-1 second");
    long leasedTheOldWay = insert(2, "pending", 1, "1 hour"); // claimed by a V10 worker: its lease is scheduled_for
    long done = insert(3, "succeeded", 1, "-1 day");

    assertThat(Migrations.apply(PgConnectOptions.fromUri(infra.postgresUrl()))).isEqualTo(SchemaVersions.latest());

    assertThat(infra.sql("SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        + " WHERE i.indrelid IN ('webhook_deliveries'::regclass, 'webhook_delivery_attempts'::regclass) ORDER BY 1"))
        .containsExactly(
            List.of("webhook_deliveries_created_brin", true),
            List.of("webhook_deliveries_delivery_uuid_key", true),
            List.of("webhook_deliveries_pending_due_id_idx", true),
            List.of("webhook_deliveries_pending_org_origin_idx", true),
            List.of("webhook_deliveries_pkey", true),
            List.of("webhook_deliveries_run_node_key", true),
            List.of("webhook_delivery_attempts_delivery_idx", true),
            List.of("webhook_delivery_attempts_pkey", true),
            List.of("webhook_delivery_attempts_started_brin", true));
    assertThat(infra.sql("SELECT count(*) FROM webhook_deliveries WHERE leased_until IS NOT NULL").get(0).get(0))
        .as("no row rewritten").isEqualTo(0L);

    pool = PostgresPool.create(vertx, PgConnectOptions.fromUri(infra.postgresUrl()), 2);
    DeliveryRepository repository = new DeliveryRepository(pool, 3);
    ClaimResult claim = repository.claim(List.of(due, leasedTheOldWay, done), Duration.ofSeconds(60), ANY_ROOM, TOKEN).await();

    assertThat(claim.claimed()).extracting(ClaimedDelivery::id).as("only the due row").containsExactly(due);
    assertThat(claim.stillPending()).singleElement().satisfies(ref -> {
      assertThat(ref.id()).isEqualTo(leasedTheOldWay);
      assertThat(ref.dueAtMillis()).as("back on the schedule when its old lease ends")
          .isGreaterThan(System.currentTimeMillis() + 3_000_000);
    });
    assertThat(repository.overduePage(OverduePage.Cursor.START, 10).await().refs()).as("nothing to sweep: one row"
        + " leased the new way, one the old way").extracting(DueRef::id).isEmpty();

    ClaimedDelivery claimed = claim.claimed().get(0);
    assertThat(repository.recordOutcomes(List.of(new OutcomeWrite(due, claimed.attempt(), AttemptOutcome.succeeded(200),
        LOG))).await().get(0).recorded()).isTrue();
    assertThat(infra.sql("SELECT id, status, attempt_count FROM webhook_deliveries ORDER BY id")).containsExactly(
        List.of(due, "succeeded", 1), List.of(leasedTheOldWay, "pending", 1), List.of(done, "succeeded", 1));

    // Once the old lease is over, the row is claimable like any other.
    infra.sql("UPDATE webhook_deliveries SET scheduled_for = now() - interval '1 second' WHERE id = ?", leasedTheOldWay);
    assertThat(repository.claim(List.of(leasedTheOldWay), Duration.ofSeconds(60), ANY_ROOM, TOKEN).await().claimed())
        .extracting(ClaimedDelivery::attempt).containsExactly(2);
  }

  @Test
  void theIndexMigrationsCanRunAgainAfterAFailure() {
    assertThat(Migrations.apply(PgConnectOptions.fromUri(infra.postgresUrl()))).isEqualTo(SchemaVersions.latest());
    // What a failed CONCURRENTLY build leaves: an invalid index under the name V12 builds. Simulated by
    // marking the built one invalid and forgetting that V12 and every later migration ran (each of
    // them must finish the job when run again).
    infra.sql("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'webhook_deliveries_pending_due_id_idx'::regclass");
    infra.sql("DELETE FROM flyway_schema_history WHERE version::int >= 12");

    assertThat(Migrations.apply(PgConnectOptions.fromUri(infra.postgresUrl()))).isEqualTo(SchemaVersions.latest());

    assertThat(infra.sql("SELECT i.indisvalid FROM pg_index i"
        + " WHERE i.indexrelid = 'webhook_deliveries_pending_due_id_idx'::regclass")).containsExactly(List.of(true));
  }
}
