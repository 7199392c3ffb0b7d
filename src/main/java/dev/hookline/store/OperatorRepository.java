package dev.hookline.store;

import dev.hookline.domain.ChangeResult;
import dev.hookline.domain.DeliveryFilter;
import dev.hookline.domain.DeliveryStatus;
import dev.hookline.domain.DueRef;
import dev.hookline.domain.Emitted;
import dev.hookline.domain.Origins;
import dev.hookline.domain.OutcomeEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The SQL behind operator work: look-ups, listing, replay, cancel, retention and statistics. */
public final class OperatorRepository {
  private static final String ROW_COLUMNS = "id, delivery_uuid, organization_id, workflow_run_id, webhook_node_id,"
      + " webhook_name, endpoint_url, http_method, custom_headers, credential_uuid, status, attempt_count, max_attempts,"
      + " recorded_attempts, scheduled_for, leased_until, last_status_code, last_error, created_at, updated_at, kind, retry, expires_at,"
      + " origin";

  private static final String FIND = "SELECT " + ROW_COLUMNS + ", payload FROM webhook_deliveries WHERE delivery_uuid = $1";

  private static final String FIND_WITHOUT_PAYLOAD = "SELECT " + ROW_COLUMNS + " FROM webhook_deliveries WHERE delivery_uuid = $1";

  private static final String ATTEMPTS = "SELECT a.attempt, a.started_at, a.duration_ms, a.outcome, a.status_code,"
      + " a.error_class, a.error_message, a.response_body, a.response_content_type, a.response_retry_after"
      + " FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"
      + " WHERE d.delivery_uuid = $1 ORDER BY a.attempt, a.id";

  /*
   * A replayed delivery (a retried dead letter, a resent final one) goes back to pending, due now,
   * with a fresh budget: its own retry.maxAttempts, else $N (delivery.maxAttempts). The attempt
   * counter keeps running (the budget is raised instead) so attempt numbers, headers and log rows
   * stay unique; budget_start records the replay, so backoff and the unrecorded bound start over.
   * Its own window, if it has one, starts again now, and a lease a fenced-out attempt left (a row
   * cancelled in flight) is dropped. replays counts the replay: it is part of the outcome fence, so
   * an attempt still on the wire from before (a row cancelled in flight, then resent) can no longer
   * record its answer onto the new budget. last_status_code and last_error are kept: they
   * describe the last attempt until the next one replaces them.
   */
  private static final String FRESH_BUDGET = "status = 'pending', scheduled_for = now(), leased_until = NULL,"
      + " replays = d.replays + 1,"
      + " max_attempts = d.attempt_count + coalesce((d.retry->>'maxAttempts')::int, $%d), recorded_attempts = 0,"
      + " budget_start = d.attempt_count,"
      // Null (no window) when the retry object has no deliverWithinSeconds: make_interval is strict.
      + " expires_at = now() + make_interval(secs => (d.retry->>'deliverWithinSeconds')::float8), updated_at = now()";

  private static final String RETRY_ONE = replayOne("status = 'dead_letter'");

  // Every final status; a pending row is left alone (an attempt may hold it), which the caller reports as a conflict.
  private static final String RESEND_ONE = replayOne("status <> 'pending'");

  // Returns what EventRows needs to tell the delivery.cancelled event; the event's error says who cancelled.
  private static final String CANCEL_ONE = "WITH target AS (SELECT id, status FROM webhook_deliveries WHERE delivery_uuid = $1),"
      + " changed AS (UPDATE webhook_deliveries d SET status = 'cancelled', updated_at = now()"
      + " FROM target WHERE d.id = target.id AND d.status = 'pending' RETURNING d.id, d.scheduled_for, d.delivery_uuid,"
      + " d.organization_id, d.workflow_run_id, d.webhook_node_id, d.attempt_count, d.last_status_code,"
      + " 'cancelled by an operator'::text AS last_error, d.kind, d.replays)"
      + " SELECT target.status, changed.* FROM target LEFT JOIN changed ON true";

  /*
   * The newest row old enough for retention (0: none). created_at has only a BRIN index, which
   * reads just the old ranges; "id + 0" keeps the planner from answering max(id) by walking the
   * primary key down from the newest row, which passes every retained row when none is old enough.
   */
  private static final String RETENTION_BOUND = "SELECT coalesce(max(id + 0), 0) AS bound FROM webhook_deliveries"
      + " WHERE created_at < now() - make_interval(days => $1)";

  // Bounded by that id ($3): the walk up the primary key stops there even when fewer than $2 rows are left.
  private static final String DELETE_EXPIRED = "WITH doomed AS (SELECT id FROM webhook_deliveries"
      + " WHERE id <= $3 AND status IN (" + DeliveryStatus.finalColumns() + ")"
      + " AND created_at < now() - make_interval(days => $1)"
      + " ORDER BY id LIMIT $2),"
      + " gone AS (DELETE FROM webhook_deliveries d USING doomed WHERE d.id = doomed.id RETURNING d.id),"
      // The attempt log has no foreign key (it would cost every outcome write a row lock): its rows go here.
      + " logs AS (DELETE FROM webhook_delivery_attempts a USING gone WHERE a.delivery_id = gone.id)"
      + " SELECT count(*)::int AS n FROM gone";

  // $1 null: every organization.
  private static final String COUNT_BY_STATUS = "SELECT status, count(*) AS n FROM webhook_deliveries"
      + " WHERE ($1::bigint IS NULL OR organization_id = $1) GROUP BY status";

  /*
   * Both read the pending due index, which carries created_at: every organization's from the index
   * alone where the visibility map allows, one organization's with a look at each pending row.
   */
  private static final String OLDEST_PENDING_AGE = "SELECT extract(epoch FROM now() - min(created_at))::float8 AS age"
      + " FROM webhook_deliveries WHERE status = 'pending'";

  private static final String OLDEST_PENDING_AGE_OF = OLDEST_PENDING_AGE + " AND organization_id = $1";

  private final Pool pool;
  private final EventRows eventRows;

  /**
   * One delivery back to pending with a fresh budget, if its status matches {@code condition}. The
   * target is locked first, so a concurrent replay of the same row is waited for and the conflict
   * it causes names the status the row has now (pending), not the one before.
   */
  private static String replayOne(String condition) {
    return "WITH target AS (SELECT id, status FROM webhook_deliveries WHERE delivery_uuid = $1 FOR UPDATE),"
        + " changed AS (UPDATE webhook_deliveries d SET " + FRESH_BUDGET.formatted(2)
        + " FROM target WHERE d.id = target.id AND d." + condition + " RETURNING d.id, d.scheduled_for)"
        + " SELECT target.status, changed.id, changed.scheduled_for FROM target LEFT JOIN changed ON true";
  }

  public OperatorRepository(Pool pool) {
    this(pool, EventRows.none());
  }

  /** As above, writing the event rows of operator cancels when {@code eventRows} is enabled. */
  public OperatorRepository(Pool pool, EventRows eventRows) {
    this.pool = pool;
    this.eventRows = eventRows;
  }

  /** The row as JSON (payload included), or null. */
  public Future<JsonObject> find(UUID deliveryUuid) {
    return pool.preparedQuery(FIND).execute(Tuple.of(deliveryUuid)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row row = rows.iterator().next();
      return toJson(row).put("payload", row.getString("payload"));
    });
  }

  /** The row as JSON without its payload (as an operator action answers it), or null. */
  public Future<JsonObject> findWithoutPayload(UUID deliveryUuid) {
    return pool.preparedQuery(FIND_WITHOUT_PAYLOAD).execute(Tuple.of(deliveryUuid))
        .map(rows -> rows.size() == 0 ? null : toJson(rows.iterator().next()));
  }

  /** The attempt log of a delivery, oldest first; null when the delivery does not exist. */
  public Future<JsonArray> attempts(UUID deliveryUuid) {
    return find(deliveryUuid).compose(found -> found == null ? Future.succeededFuture(null)
        : pool.preparedQuery(ATTEMPTS).execute(Tuple.of(deliveryUuid)).map(rows -> {
          JsonArray attempts = new JsonArray();
          for (Row row : rows) {
            attempts.add(new JsonObject()
                .put("attempt", row.getInteger("attempt"))
                .put("startedAt", instant(row.getOffsetDateTime("started_at")))
                .put("durationMs", row.getInteger("duration_ms"))
                .put("outcome", row.getString("outcome"))
                .put("statusCode", row.getInteger("status_code"))
                .put("errorClass", row.getString("error_class"))
                .put("errorMessage", row.getString("error_message"))
                .put("responseBody", row.getString("response_body"))
                .put("responseContentType", row.getString("response_content_type"))
                .put("responseRetryAfter", row.getString("response_retry_after")));
          }
          return attempts;
        }));
  }

  /** One page in id order after {@code afterId}; the page has at most {@code limit} rows. */
  public Future<List<JsonObject>> list(DeliveryFilter filter, long afterId, int limit) {
    Where where = where(filter).and("id > ", afterId);
    /*
     * Pending rows are the newest few of 30 days of rows: walking the primary key in id order to
     * find them would pass every final row first. Read them from the pending due index (where()
     * names the status literally so the planner can use it) and sort them; "id + 0" takes the
     * primary key's order away from the planner, which otherwise expects pending rows evenly spread.
     */
    String order = filter.status() == DeliveryStatus.PENDING ? "id + 0" : "id";
    String sql = "SELECT " + ROW_COLUMNS + " FROM webhook_deliveries" + where.sql() + " ORDER BY " + order
        + " LIMIT " + limit;
    return pool.preparedQuery(sql).execute(where.params()).map(rows -> {
      List<JsonObject> items = new ArrayList<>(rows.size());
      rows.forEach(row -> items.add(toJson(row)));
      return items;
    });
  }

  /** How many rows match (what a bulk retry or resend by this filter would look at). */
  public Future<Long> count(DeliveryFilter filter) {
    Where where = where(filter);
    return pool.preparedQuery("SELECT count(*) AS n FROM webhook_deliveries" + where.sql()).execute(where.params())
        .map(rows -> rows.iterator().next().getLong("n"));
  }

  public Future<ChangeResult> retry(UUID deliveryUuid, int freshAttempts) {
    return change(RETRY_ONE, Tuple.of(deliveryUuid, freshAttempts));
  }

  /** A final delivery (succeeded, dead_letter, cancelled or expired) back to pending; a pending one conflicts. */
  public Future<ChangeResult> resend(UUID deliveryUuid, int freshAttempts) {
    return change(RESEND_ONE, Tuple.of(deliveryUuid, freshAttempts));
  }

  /** Cancels a pending delivery; its delivery.cancelled event is written with it and returned to be published. */
  public Future<Cancelled> cancel(UUID deliveryUuid) {
    return eventRows.finalize(pool, CANCEL_ONE, Tuple.of(deliveryUuid), OutcomeEvent.CANCELLED)
        .map(done -> new Cancelled(changeResult(done.rows()), done.emitted()));
  }

  public record Cancelled(ChangeResult result, Emitted emitted) {
  }

  private Future<ChangeResult> change(String sql, Tuple params) {
    return pool.preparedQuery(sql).execute(params).map(OperatorRepository::changeResult);
  }

  private static ChangeResult changeResult(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return ChangeResult.notFound();
    }
    Row row = rows.iterator().next();
    Long id = row.getLong("id");
    return id == null
        ? new ChangeResult(ChangeResult.Kind.CONFLICT, row.getString("status"), null)
        : new ChangeResult(ChangeResult.Kind.DONE, row.getString("status"),
            new DueRef(id, row.getOffsetDateTime("scheduled_for").toInstant().toEpochMilli()));
  }

  /**
   * Replays one batch of dead letters matching the filter with ids above {@code afterId}; the
   * caller queues the returned refs and continues after the last id until a batch comes back short.
   */
  public Future<List<DueRef>> retryBatch(DeliveryFilter filter, long afterId, int batchSize, int freshAttempts) {
    return replayBatch(where(filter.withStatus(DeliveryStatus.DEAD_LETTER)), afterId, batchSize, freshAttempts);
  }

  /** As {@link #retryBatch}, for the final deliveries matching the filter (its status, or any final one). */
  public Future<List<DueRef>> resendBatch(DeliveryFilter filter, long afterId, int batchSize, int freshAttempts) {
    // Never a pending row, whatever the filter says: a new budget would disturb an attempt that may be in flight.
    return replayBatch(where(filter).and("status <> ", DeliveryStatus.PENDING.column()), afterId, batchSize,
        freshAttempts);
  }

  private Future<List<DueRef>> replayBatch(Where where, long afterId, int batchSize, int freshAttempts) {
    where.and("id > ", afterId);
    int budget = where.next();
    where.params().addInteger(freshAttempts);
    String sql = "WITH batch AS (SELECT id FROM webhook_deliveries" + where.sql()
        + " ORDER BY id LIMIT " + batchSize + " FOR UPDATE SKIP LOCKED)"
        + " UPDATE webhook_deliveries d SET " + FRESH_BUDGET.formatted(budget)
        + " FROM batch WHERE d.id = batch.id RETURNING d.id, d.scheduled_for";
    return pool.preparedQuery(sql).execute(where.params()).map(rows -> {
      List<DueRef> refs = new ArrayList<>(rows.size());
      rows.forEach(row -> refs.add(new DueRef(row.getLong("id"),
          row.getOffsetDateTime("scheduled_for").toInstant().toEpochMilli())));
      refs.sort((a, b) -> Long.compare(a.id(), b.id()));
      return refs;
    });
  }

  /** The highest id a row old enough for retention has (0 when there is none): {@link #deleteExpired}'s bound. */
  public Future<Long> retentionBound(int days) {
    return pool.preparedQuery(RETENTION_BOUND).execute(Tuple.of(days)).map(rows -> rows.iterator().next().getLong("bound"));
  }

  /**
   * Deletes one bounded batch of final rows with ids up to {@code bound} (and their attempts);
   * returns how many.
   */
  public Future<Integer> deleteExpired(int days, int batchSize, long bound) {
    return pool.preparedQuery(DELETE_EXPIRED).execute(Tuple.of(days, batchSize, bound))
        .map(rows -> rows.iterator().next().getInteger("n"));
  }

  /** Row counts per status, every status present (zero when none). */
  public Future<Map<String, Long>> countByStatus() {
    return countByStatus(null);
  }

  /** As {@link #countByStatus()}, for one organization's rows ({@code organizationId} null: every one). */
  public Future<Map<String, Long>> countByStatus(Long organizationId) {
    return pool.preparedQuery(COUNT_BY_STATUS).execute(Tuple.of(organizationId)).map(rows -> {
      Map<String, Long> counts = new LinkedHashMap<>();
      for (DeliveryStatus status : DeliveryStatus.values()) {
        counts.put(status.column(), 0L);
      }
      rows.forEach(row -> counts.put(row.getString("status"), row.getLong("n")));
      return counts;
    });
  }

  /** Whether this database holds Hookline's tables at all (false before the first migration). */
  public Future<Boolean> hasSchema() {
    return pool.query("SELECT to_regclass('webhook_deliveries') IS NOT NULL").execute()
        .map(rows -> rows.iterator().next().getBoolean(0));
  }

  /** Seconds since the oldest pending delivery was created; 0 when nothing is pending. */
  public Future<Double> oldestPendingAgeSeconds() {
    return oldestPendingAgeSeconds(null);
  }

  /** As {@link #oldestPendingAgeSeconds()}, among one organization's rows ({@code organizationId} null: every one). */
  public Future<Double> oldestPendingAgeSeconds(Long organizationId) {
    Future<RowSet<Row>> query = organizationId == null ? pool.preparedQuery(OLDEST_PENDING_AGE).execute()
        : pool.preparedQuery(OLDEST_PENDING_AGE_OF).execute(Tuple.of(organizationId));
    return query.map(rows -> {
      Double age = rows.iterator().next().getDouble("age");
      return age == null ? 0d : Math.max(0d, age);
    });
  }

  private static Where where(DeliveryFilter filter) {
    Where where = new Where();
    if (filter.status() == DeliveryStatus.PENDING) {
      // Literal, so the pending-only due index can serve it (a parameter cannot prove its predicate).
      where.literal("status = 'pending'");
    } else if (filter.status() != null) {
      where.and("status = ", filter.status().column());
    }
    if (filter.organizationId() != null) {
      where.and("organization_id = ", filter.organizationId());
    }
    if (filter.workflowRunId() != null) {
      where.and("workflow_run_id = ", filter.workflowRunId());
    }
    if (filter.createdAfter() != null) {
      where.and("created_at >= ", filter.createdAfter().atOffset(ZoneOffset.UTC));
    }
    if (filter.createdBefore() != null) {
      where.and("created_at < ", filter.createdBefore().atOffset(ZoneOffset.UTC));
    }
    if (filter.lastStatusCode() != null) {
      where.and("last_status_code = ", filter.lastStatusCode());
    }
    if (filter.origin() != null) {
      where.and("origin = ", filter.origin());
    }
    return where;
  }

  private static JsonObject toJson(Row row) {
    String status = row.getString("status");
    return new JsonObject()
        .put("id", row.getLong("id"))
        .put("deliveryUuid", row.getUUID("delivery_uuid").toString())
        .put("organizationId", row.getLong("organization_id"))
        .put("workflowRunId", row.getLong("workflow_run_id"))
        .put("webhookNodeId", row.getString("webhook_node_id"))
        .put("webhookName", row.getString("webhook_name"))
        .put("endpointUrl", row.getString("endpoint_url"))
        // Final rows from before the column existed have none: their URL still says it.
        .put("origin", row.getString("origin") != null ? row.getString("origin") : Origins.of(row.getString("endpoint_url")))
        .put("httpMethod", row.getString("http_method"))
        .put("customHeaders", row.getJsonArray("custom_headers"))
        .put("credentialUuid", row.getUUID("credential_uuid") == null ? null : row.getUUID("credential_uuid").toString())
        .put("status", status)
        .put("attemptCount", row.getInteger("attempt_count"))
        .put("maxAttempts", row.getInteger("max_attempts"))
        .put("recordedAttempts", row.getInteger("recorded_attempts"))
        .put("scheduledFor", scheduledFor(status, row.getOffsetDateTime("scheduled_for"),
            row.getOffsetDateTime("leased_until")))
        .put("lastStatusCode", row.getInteger("last_status_code"))
        .put("lastError", row.getString("last_error"))
        .put("createdAt", instant(row.getOffsetDateTime("created_at")))
        .put("updatedAt", instant(row.getOffsetDateTime("updated_at")))
        .put("kind", row.getString("kind"))
        .put("retry", row.getValue("retry"))
        .put("expiresAt", instant(row.getOffsetDateTime("expires_at")));
  }

  /**
   * A final row keeps whatever due time and lease it held last, which reads like a promise of
   * another attempt. Only a pending row shows it: when it is next due, which while an attempt is in
   * flight is when that attempt's lease ends (it is sent again then unless its outcome is recorded
   * first).
   */
  private static String scheduledFor(String status, OffsetDateTime scheduledFor, OffsetDateTime leasedUntil) {
    return DeliveryStatus.PENDING.column().equals(status) ? instant(NextDue.of(scheduledFor, leasedUntil)) : null;
  }

  private static String instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toString();
  }

  /** A WHERE clause built from optional conditions, each value bound as a numbered parameter. */
  private static final class Where {
    private final StringBuilder sql = new StringBuilder();
    private final Tuple params = Tuple.tuple();

    Where and(String condition, Object value) {
      sql.append(sql.length() == 0 ? " WHERE " : " AND ").append(condition).append('$').append(params.size() + 1);
      params.addValue(value);
      return this;
    }

    /** A condition with no value to bind (written by this class, never from input). */
    Where literal(String condition) {
      sql.append(sql.length() == 0 ? " WHERE " : " AND ").append(condition);
      return this;
    }

    int next() {
      return params.size() + 1;
    }

    String sql() {
      return sql.toString();
    }

    Tuple params() {
      return params;
    }
  }
}
