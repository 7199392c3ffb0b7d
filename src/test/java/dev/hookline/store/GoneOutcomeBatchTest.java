package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.domain.AttemptLog;
import dev.hookline.domain.AttemptOutcome;
import dev.hookline.domain.ClaimedDelivery;
import dev.hookline.domain.GoneEndpoint;
import dev.hookline.domain.NewDelivery;
import dev.hookline.domain.OriginRooms;
import dev.hookline.domain.OutcomeEvent;
import dev.hookline.domain.OutcomeWrite;
import dev.hookline.domain.RecordResult;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A 410 Gone disables its endpoint in the transaction of the outcome batch it lands in. That must
 * not cost the batch: two batches disabling two endpoints in opposite order do not deadlock, an
 * endpoint whose key Postgres cannot store does not fail its neighbours' outcomes, and the pending
 * rows the 410 cancels are found through an index rather than by reading the pending set.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class GoneOutcomeBatchTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final Duration LEASE = Duration.ofSeconds(60);
  private static final OriginRooms ANY_ROOM = new OriginRooms(Map.of(), 1_000);
  private static final AttemptLog LOG = new AttemptLog(Instant.now(), 12, 410, null, null, null, null, null);
  private static final String X = "https://x.example.com/hooks";
  private static final String Y = "https://y.example.com/hooks";

  private TestInfra infra;
  private Pool pool;
  private DeliveryRepository repository;
  private long run = 1;

  @BeforeEach
  void setUp(Vertx vertx) {
    infra = DATABASE.infra();
    pool = PostgresPool.create(vertx, PgConnectOptions.fromUri(infra.postgresUrl()), 4);
    repository = new DeliveryRepository(pool, 3);
  }

  @AfterEach
  void tearDown() {
    infra.sql("DROP TRIGGER IF EXISTS slow_disable ON webhook_disabled_endpoints");
    infra.sql("DROP TRIGGER IF EXISTS slow_outcome ON webhook_deliveries");
    pool.close().await();
  }

  private long create(String url) {
    return repository.createAll(List.of(new NewDelivery(7, run++, "node-1", "hook", url, "POST", "{}", List.of(),
        null, 5))).await().get(0).result().id();
  }

  private ClaimedDelivery claim(long id) {
    return repository.claim(List.of(id), LEASE, ANY_ROOM, 1).await().claimed().get(0);
  }

  private static OutcomeWrite gone(ClaimedDelivery d) {
    OutcomeEvent disabled = new OutcomeEvent(OutcomeEvent.ENDPOINT_DISABLED, d.deliveryUuid(), d.id(),
        d.organizationId(), d.workflowRunId(), d.webhookNodeId(), d.attempt(), 410, "HTTP 410", Instant.now(), 0);
    return new OutcomeWrite(d.id(), d.attempt(), 0, AttemptOutcome.deadLetter(410, "HTTP 410"), LOG, List.of(),
        new GoneEndpoint(d.organizationId(), d.endpointUrl(), d.origin(), disabled));
  }

  private static OutcomeWrite succeeded(ClaimedDelivery d) {
    return new OutcomeWrite(d.id(), d.attempt(), AttemptOutcome.succeeded(200), LOG);
  }

  private String status(long id) {
    return (String) infra.sql("SELECT status FROM webhook_deliveries WHERE id = ?", id).get(0).get(0);
  }

  @Test
  void twoBatchesDisablingTwoEndpointsInOppositeOrderNeitherDeadlockNorFail() {
    // Both batches lock their own rows before either looks for rows to cancel (so neither cancels
    // the other's: they are locked, and skipped), and each disabled-endpoint insert holds its key for
    // a moment, so both batches hold their first key when they reach their second: in batch order,
    // that is a lock cycle.
    infra.sql("CREATE OR REPLACE FUNCTION slow_disable() RETURNS trigger LANGUAGE plpgsql AS"
        + " $$ BEGIN PERFORM pg_sleep(0.5); RETURN NEW; END $$");
    infra.sql("CREATE TRIGGER slow_disable AFTER INSERT ON webhook_disabled_endpoints FOR EACH ROW"
        + " EXECUTE FUNCTION slow_disable()");
    infra.sql("CREATE TRIGGER slow_outcome BEFORE UPDATE ON webhook_deliveries FOR EACH ROW"
        + " WHEN (NEW.status = 'dead_letter') EXECUTE FUNCTION slow_disable()");
    ClaimedDelivery a1 = claim(create(X));
    ClaimedDelivery a2 = claim(create(Y));
    ClaimedDelivery b1 = claim(create(Y));
    ClaimedDelivery b2 = claim(create(X));

    // Without the batch splitting that recordOutcomes adds, so a deadlock would fail a batch here.
    Future<List<RecordResult>> first = repository.recordTogether(List.of(gone(a1), gone(a2)));
    Future<List<RecordResult>> second = repository.recordTogether(List.of(gone(b1), gone(b2)));
    Future.join(first, second).await();

    assertThat(first.cause()).as("first batch").isNull();
    assertThat(second.cause()).as("second batch").isNull();
    // Each outcome is recorded, or fenced out because the other batch's 410 cancelled its row first
    // (a 410 cancels the organization's other deliveries to the endpoint, in flight ones included).
    assertThat(first.result()).allMatch(r -> r.recorded() || r.cancelled());
    assertThat(second.result()).allMatch(r -> r.recorded() || r.cancelled());
    assertThat(List.of(a1, a2, b1, b2)).allMatch(d -> List.of("dead_letter", "cancelled").contains(status(d.id())));
    assertThat(infra.sql("SELECT endpoint_url FROM webhook_disabled_endpoints ORDER BY 1"))
        .containsExactly(List.of(X), List.of(Y));
  }

  @Test
  void aGoneWriteWhoseEndpointKeyPostgresRefusesIsRecordedWithoutItAndItsNeighboursAreRecorded() {
    // A URL from before URLs were bounded in bytes: 2,000 random three-byte characters do not fit in
    // one index entry of the disabled-endpoint key, even compressed.
    Random random = new Random(23);
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < 2_000; i++) {
      path.appendCodePoint(0x4E00 + random.nextInt(0x5000));
    }
    String huge = "https://legacy.example.com/" + path;
    ClaimedDelivery before = claim(create(X));
    ClaimedDelivery legacy = claim(create(huge));
    ClaimedDelivery after = claim(create(Y));

    List<RecordResult> results = repository.recordOutcomes(List.of(succeeded(before), gone(legacy), succeeded(after)))
        .await();

    assertThat(results).allMatch(RecordResult::recorded);
    assertThat(status(before.id())).isEqualTo("succeeded");
    assertThat(status(legacy.id())).as("the 410 is still the delivery's end").isEqualTo("dead_letter");
    assertThat(status(after.id())).isEqualTo("succeeded");
    assertThat(infra.sql("SELECT count(*) FROM webhook_disabled_endpoints").get(0).get(0)).isEqualTo(0L);
  }

  @Test
  void theDeliveriesA410CancelsAreFoundThroughTheOrganizationAndOriginIndex() {
    // A pending set large enough that reading all of it would be the planner's last choice.
    infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id, webhook_node_id,"
        + " endpoint_url, http_method, payload, max_attempts, origin)"
        + " SELECT gen_random_uuid(), 1 + n % 50, 100000 + n, 'n', 'https://o' || (n % 200) || '.example.com/h', 'POST',"
        + " '{}', 5, 'https://o' || (n % 200) || '.example.com' FROM generate_series(1, 20000) AS n");
    ClaimedDelivery gone = claim(create(X));
    long sibling = create(X);
    long otherOrganization = repository.createAll(List.of(new NewDelivery(8, run++, "node-1", "hook", X, "POST", "{}",
        List.of(), null, 5))).await().get(0).result().id();
    infra.sql("ANALYZE webhook_deliveries");
    long scansBefore = indexScans();

    assertThat(repository.recordOutcomes(List.of(gone(gone))).await().get(0).recorded()).isTrue();

    assertThat(status(sibling)).isEqualTo("cancelled");
    assertThat(status(otherOrganization)).isEqualTo("pending");
    Await.until("the 410's read of the (organization, origin) index in the statistics", Duration.ofSeconds(10),
        () -> indexScans() > scansBefore, () -> "idx_scan stayed at " + scansBefore);
  }

  private long indexScans() {
    infra.sql("SELECT pg_stat_clear_snapshot()");
    return (Long) infra.sql("SELECT idx_scan FROM pg_stat_user_indexes"
        + " WHERE indexrelname = 'webhook_deliveries_pending_org_origin_idx'").get(0).get(0);
  }
}
