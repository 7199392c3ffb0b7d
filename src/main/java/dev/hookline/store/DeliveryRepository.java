package dev.hookline.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Every SQL statement Hookline runs against {@code webhook_deliveries}. */
public final class DeliveryRepository {
  private static final int MAX_ERROR_LENGTH = 1_000;

  private static final String DELIVERY_COLUMNS = "id, delivery_uuid, organization_id, workflow_run_id, endpoint_url,"
      + " http_method, payload, custom_headers, credential_uuid, attempt_count, max_attempts, scheduled_for";

  // Serializes creates for one run so the tenant check and the insert see the same truth.
  private static final String LOCK_RUN = "SELECT 1 FROM pg_advisory_xact_lock($1)";

  private static final String SELECT_RUN = "SELECT id, delivery_uuid, organization_id, webhook_node_id, scheduled_for"
      + " FROM webhook_deliveries WHERE workflow_run_id = $1";

  private static final String INSERT = "INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
      + " webhook_node_id, webhook_name, endpoint_url, http_method, payload, custom_headers, credential_uuid, max_attempts)"
      + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
      + " ON CONFLICT (workflow_run_id, webhook_node_id) DO NOTHING"
      + " RETURNING id, scheduled_for";

  /*
   * One statement per batch. The attempt is counted here, at claim time, so a worker that dies
   * mid-send still uses up an attempt. The second half reports popped ids that are still pending
   * but were not claimable (leased elsewhere, or not due by the database clock) so the caller can
   * put them back on the schedule at their real due time.
   */
  private static final String CLAIM = "WITH claimed AS ("
      + " UPDATE webhook_deliveries"
      + " SET attempt_count = attempt_count + 1, scheduled_for = now() + make_interval(secs => $2), updated_at = now()"
      + " WHERE id = ANY($1) AND status = 'pending' AND scheduled_for <= now() AND attempt_count < max_attempts"
      + " RETURNING " + DELIVERY_COLUMNS + ")"
      + " SELECT true AS won, " + DELIVERY_COLUMNS + " FROM claimed"
      + " UNION ALL"
      + " SELECT false AS won, " + DELIVERY_COLUMNS + " FROM webhook_deliveries d"
      + " WHERE d.id = ANY($1) AND d.status = 'pending' AND d.attempt_count < d.max_attempts"
      + " AND NOT EXISTS (SELECT 1 FROM claimed c WHERE c.id = d.id)";

  /*
   * Fenced: only the worker holding this attempt of a still-pending row can record its outcome.
   * The attempt-log row rides in the same statement, so logging costs no extra round trip and a
   * fenced-out (stale) attempt leaves no log row either.
   */
  private static final String RECORD_OUTCOME = "WITH updated AS ("
      + " UPDATE webhook_deliveries"
      + " SET status = $3, last_status_code = $4, last_error = $5,"
      + " scheduled_for = CASE WHEN $3 = 'pending' THEN now() + make_interval(secs => $6) ELSE scheduled_for END,"
      + " updated_at = now()"
      + " WHERE id = $1 AND attempt_count = $2 AND status = 'pending'"
      + " RETURNING id, scheduled_for),"
      + " logged AS (INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome,"
      + " status_code, error_class, error_message, response_body, response_content_type, response_retry_after)"
      + " SELECT id, $2, $7, $8, $9, $4, $10, $11, $12, $13, $14 FROM updated)"
      + " SELECT scheduled_for FROM updated";

  private static final String OVERDUE_PAGE = "SELECT id, scheduled_for FROM webhook_deliveries"
      + " WHERE status = 'pending' AND scheduled_for <= now() AND attempt_count < max_attempts AND id > $1"
      + " ORDER BY id LIMIT $2";

  /*
   * A row whose final attempt was claimed but never recorded (the worker died mid-send) can
   * never be claimed again; once its lease is over it is parked rather than left pending forever.
   */
  private static final String DEAD_LETTER_EXHAUSTED = "UPDATE webhook_deliveries"
      + " SET status = 'dead_letter', updated_at = now(),"
      + " last_error = 'lease_expired: the outcome of attempt ' || attempt_count || ' was never recorded'"
      + " WHERE status = 'pending' AND scheduled_for <= now() AND attempt_count >= max_attempts"
      + " RETURNING id";

  private final Pool pool;

  public DeliveryRepository(Pool pool) {
    this.pool = pool;
  }

  /** Idempotent on (run, node); fails with {@link TenantMismatchException} when the run is another organization's. */
  public Future<CreateResult> getOrCreate(NewDelivery delivery) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_RUN).execute(Tuple.of(delivery.workflowRunId()))
        .compose(locked -> conn.preparedQuery(SELECT_RUN).execute(Tuple.of(delivery.workflowRunId())))
        .compose(run -> {
          for (Row row : run) {
            long owner = row.getLong("organization_id");
            if (owner != delivery.organizationId()) {
              return Future.failedFuture(
                  new TenantMismatchException(delivery.workflowRunId(), owner, delivery.organizationId()));
            }
          }
          for (Row row : run) {
            if (row.getString("webhook_node_id").equals(delivery.webhookNodeId())) {
              return Future.succeededFuture(new CreateResult(false, row.getLong("id"), row.getUUID("delivery_uuid"),
                  row.getOffsetDateTime("scheduled_for").toInstant()));
            }
          }
          return insert(conn, delivery);
        }));
  }

  private static Future<CreateResult> insert(SqlConnection conn, NewDelivery d) {
    UUID uuid = UUID.randomUUID();
    Tuple params = Tuple.tuple()
        .addUUID(uuid)
        .addLong(d.organizationId())
        .addLong(d.workflowRunId())
        .addString(d.webhookNodeId())
        .addString(d.webhookName())
        .addString(d.endpointUrl())
        .addString(d.httpMethod())
        .addString(d.payload())
        .addValue(CustomHeader.toJson(d.customHeaders()))
        .addUUID(d.credentialUuid())
        .addInteger(d.maxAttempts());
    return conn.preparedQuery(INSERT).execute(params).map(rows -> {
      // The run lock makes a conflict impossible here; the ON CONFLICT clause is a second line of defence.
      Row row = rows.iterator().next();
      return new CreateResult(true, row.getLong("id"), uuid, row.getOffsetDateTime("scheduled_for").toInstant());
    });
  }

  public Future<ClaimResult> claim(List<Long> ids, Duration lease) {
    return pool.preparedQuery(CLAIM).execute(Tuple.of(ids.toArray(new Long[0]), seconds(lease))).map(rows -> {
      List<ClaimedDelivery> claimed = new ArrayList<>(rows.size());
      List<DueRef> stillPending = new ArrayList<>(0);
      for (Row row : rows) {
        if (row.getBoolean("won")) {
          claimed.add(toClaimed(row));
        } else {
          stillPending.add(new DueRef(row.getLong("id"), epochMillis(row)));
        }
      }
      return new ClaimResult(claimed, stillPending);
    });
  }

  /** Returns the new due time when the row was updated, empty when the fence did not match. */
  public Future<Optional<Instant>> recordOutcome(long id, int attempt, AttemptOutcome outcome, AttemptLog log) {
    Tuple params = Tuple.tuple()
        .addLong(id)
        .addInteger(attempt)
        .addString(outcome.status().column())
        .addInteger(outcome.statusCode())
        .addString(truncate(outcome.error()))
        .addDouble(outcome.retryDelay() == null ? 0d : seconds(outcome.retryDelay()))
        .addOffsetDateTime(log.startedAt().atOffset(ZoneOffset.UTC))
        .addInteger(log.durationMillis())
        .addString(outcome.logName())
        .addString(log.errorClass())
        .addString(text(truncate(log.errorMessage())))
        .addString(text(log.responseBody()))
        .addString(text(log.contentType()))
        .addString(text(log.retryAfter()));
    return pool.preparedQuery(RECORD_OUTCOME).execute(params).map(rows -> rows.size() == 0
        ? Optional.<Instant>empty()
        : Optional.of(rows.iterator().next().getOffsetDateTime("scheduled_for").toInstant()));
  }

  public Future<List<DueRef>> overduePage(long afterId, int limit) {
    return pool.preparedQuery(OVERDUE_PAGE).execute(Tuple.of(afterId, limit)).map(DeliveryRepository::dueRefs);
  }

  /** Parks rows whose last attempt's worker vanished; returns how many. */
  public Future<Integer> deadLetterExhausted() {
    return pool.query(DEAD_LETTER_EXHAUSTED).execute().map(RowSet::rowCount);
  }

  private static List<DueRef> dueRefs(RowSet<Row> rows) {
    List<DueRef> refs = new ArrayList<>(rows.size());
    for (Row row : rows) {
      refs.add(new DueRef(row.getLong("id"), epochMillis(row)));
    }
    return refs;
  }

  private static ClaimedDelivery toClaimed(Row row) {
    return new ClaimedDelivery(
        row.getLong("id"),
        row.getUUID("delivery_uuid"),
        row.getLong("organization_id"),
        row.getLong("workflow_run_id"),
        row.getString("endpoint_url"),
        row.getString("http_method"),
        row.getString("payload"),
        CustomHeader.fromJson(row.getJsonArray("custom_headers")),
        row.getUUID("credential_uuid"),
        row.getInteger("attempt_count"),
        row.getInteger("max_attempts"));
  }

  private static long epochMillis(Row row) {
    return row.getOffsetDateTime("scheduled_for").toInstant().toEpochMilli();
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1_000_000_000d;
  }

  /** Postgres text cannot hold NUL; a receiver's body can. */
  private static String text(String value) {
    return value == null || value.indexOf('\0') < 0 ? value : value.replace("\0", "");
  }

  private static String truncate(String error) {
    return error == null || error.length() <= MAX_ERROR_LENGTH ? error : error.substring(0, MAX_ERROR_LENGTH);
  }
}
