package dev.hookline.store;

import dev.hookline.domain.AttemptLog;
import dev.hookline.domain.AttemptOutcome;
import dev.hookline.domain.ClaimResult;
import dev.hookline.domain.ClaimedDelivery;
import dev.hookline.domain.CreateOutcome;
import dev.hookline.domain.CreateResult;
import dev.hookline.domain.CustomHeader;
import dev.hookline.domain.DeliveryKind;
import dev.hookline.domain.DeliveryStatus;
import dev.hookline.domain.DueRef;
import dev.hookline.domain.Emitted;
import dev.hookline.domain.GoneEndpoint;
import dev.hookline.domain.HeldDelivery;
import dev.hookline.domain.NewDelivery;
import dev.hookline.domain.OriginRooms;
import dev.hookline.domain.Origins;
import dev.hookline.domain.OutcomeEvent;
import dev.hookline.domain.OutcomeWrite;
import dev.hookline.domain.OverduePage;
import dev.hookline.domain.RecordResult;
import dev.hookline.domain.RetryPlan;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every SQL statement Hookline runs against {@code webhook_deliveries}. */
public final class DeliveryRepository {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryRepository.class);
  private static final int MAX_ERROR_LENGTH = 1_000;

  private static final String DELIVERY_COLUMNS = "id, delivery_uuid, organization_id, workflow_run_id, endpoint_url,"
      + " http_method, payload, custom_headers, credential_uuid, attempt_count, recorded_attempts, budget_start,"
      + " max_attempts, scheduled_for, leased_until, origin, webhook_node_id, kind, retry, expires_at, replays";

  private static final String EVENT_COLUMNS = EventRows.EVENT_COLUMNS;

  private static final String FIND_TO_SEND = "SELECT " + DELIVERY_COLUMNS + " FROM webhook_deliveries WHERE delivery_uuid = $1";

  // status = 'pending', phrased so that only the primary key can serve the hot statements (see CLAIM).
  private static final String NOT_FINAL = "status NOT IN (" + DeliveryStatus.finalColumns() + ")";

  /*
   * Due and under no lease. The lease has a column of its own (leased_until, in no index), so a
   * claim changes no indexed column and is a HOT update. A row leased before that column existed
   * has its lease in scheduled_for, which the first half still honours.
   */
  private static String due(String row) {
    return row + "scheduled_for <= now() AND (" + row + "leased_until IS NULL OR " + row + "leased_until <= now())";
  }

  /*
   * Serializes creates for the same run so the tenant check and the insert see the same truth.
   * The run ids arrive sorted, and unnest keeps their order, so two batches always take their
   * locks in the same order and cannot deadlock each other.
   */
  /*
   * May this row be claimed again? Its recorded outcomes have not used up the budget, and fewer
   * than the bound ($N, delivery.maxUnrecordedAttempts) of its claims in this budget ended without
   * a recorded outcome. An unrecorded claim may have reached the receiver, so it costs no budget.
   */
  private static String claimable(String row, int limitParam) {
    return row + "recorded_attempts < " + row + "max_attempts - " + row + "budget_start AND " + row + "attempt_count - "
        + row + "budget_start - " + row + "recorded_attempts < $" + limitParam;
  }

  /*
   * Claims of the current budget that ended without a recorded outcome. Each may have reached the
   * receiver: a claim that certainly sent nothing is given back (release, or unclaim by its token).
   */
  private static String unrecorded(String row) {
    return "(" + row + "attempt_count - " + row + "budget_start - " + row + "recorded_attempts)";
  }

  /*
   * A delivery whose own window has ended starts no further attempt, with one exception: an
   * attempt whose outcome was never recorded may have been delivered (a 2xx whose success write
   * failed), and a delivered webhook is never expired, so it is sent once more to settle it (the
   * receiver dedupes). Written as a condition on the row, so the claim still probes by id only.
   */
  private static String windowAllows(String row) {
    return "(" + row + "expires_at IS NULL OR " + row + "expires_at > now() OR " + unrecorded(row) + " > 0)";
  }

  /*
   * Past its window with nothing left to settle: the row's end is expired, at the claim or the sweep.
   * Never null (a row without a window is simply not ended), since the claim returns it as a flag.
   */
  private static String windowEnded(String row) {
    return "(" + row + "expires_at IS NOT NULL AND " + row + "expires_at <= now() AND " + unrecorded(row) + " = 0)";
  }

  private static final String LOCK_RUNS = "SELECT count(pg_advisory_xact_lock(r)) FROM unnest($1::bigint[]) AS r";

  /*
   * The rows the batch's runs already have, and which of its (organization, endpoint URL) pairs are
   * disabled (410 Gone): one round trip for both, so the check costs creates nothing extra.
   */
  private static final String SELECT_RUNS = "SELECT false AS disabled, id, delivery_uuid, organization_id,"
      + " workflow_run_id, webhook_node_id, greatest(scheduled_for, leased_until) AS scheduled_for, NULL::text AS endpoint_url"
      + " FROM webhook_deliveries WHERE workflow_run_id = ANY($1)"
      + " UNION ALL"
      + " SELECT true, NULL, NULL, x.organization_id, NULL, NULL, NULL, x.endpoint_url FROM webhook_disabled_endpoints x"
      + " JOIN unnest($2::bigint[], $3::text[]) AS c(o, e) ON x.organization_id = c.o AND x.endpoint_url = c.e";

  // One statement for the whole batch: the text never changes with the batch size, so it is prepared once.
  private static final String INSERT_ALL = "INSERT INTO webhook_deliveries (delivery_uuid, organization_id,"
      + " workflow_run_id, webhook_node_id, webhook_name, endpoint_url, http_method, payload, custom_headers,"
      + " credential_uuid, max_attempts, origin, retry, expires_at)"
      + " SELECT u, o, r, n, w, e, m, p, h::jsonb, c, a, g, y::jsonb, now() + make_interval(secs => x)"
      + " FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::text[],"
      + " $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::uuid[], $11::int[], $12::text[],"
      + " $13::text[], $14::float8[])"
      + " AS i(u, o, r, n, w, e, m, p, h, c, a, g, y, x)"
      + " ON CONFLICT (workflow_run_id, webhook_node_id) DO NOTHING"
      + " RETURNING id, delivery_uuid, scheduled_for";

  /*
   * One statement per batch. The attempt is counted here, at claim time: a worker that dies
   * mid-send leaves a claim without an outcome, which the unrecorded bound ($6) limits.
   * Package-visible: bench/pgbench-claim.sql must stay this statement (ClaimStatementScriptTest).
   *
   * Endpoint health: of the due rows, at most "room" per origin are claimed, lowest ids first.
   * $3/$4 name the origins with a room of their own (busy ones, or ones whose circuit is open);
   * any other origin may take $5. A due row left out for want of room comes back with held = true,
   * unclaimed: its attempt count is untouched, so waiting for its origin costs no attempt.
   * The rest of the second half are popped ids that are still pending but were not claimable
   * (leased by another worker, or not due yet by the database clock), so the caller can put them
   * back on the schedule at their real due time (the later of scheduled_for and leased_until).
   *
   * "Still pending" is written as NOT_FINAL on purpose: it means status = 'pending' (the CHECK
   * constraint allows nothing else) but no pending-only partial index can be proven to serve it.
   * Given one, the planner scans that index whole and filters by id whenever its statistics say
   * the pending set is small; between vacuums the index is mostly dead entries, so each claim
   * read tens of thousands of them under load (seen: 112 M index tuples read for 150,000
   * deliveries). Here the only index that fits is the primary key: one probe per id.
   *
   * The claim sets leased_until, never scheduled_for: with no indexed column changed, and room on
   * the page (fillfactor 80), Postgres writes the new version as a HOT update, with no index entry.
   * It also writes the caller's claim token ($7), so a caller that never heard back can give back
   * exactly what it claimed. The lease runs from when the row is claimed (clock_timestamp), not from
   * when the statement began (now()): a claim that was slow to commit still holds its rows for a
   * whole lease, so nobody takes them over before its caller has given back what it never sent.
   * A due row whose window has ended with nothing to settle comes back "ended", for the caller to
   * expire at once rather than put back on the schedule.
   */
  static final String CLAIM = "WITH due AS ("
      + " SELECT id, origin, row_number() OVER (PARTITION BY origin ORDER BY id) AS n FROM webhook_deliveries"
      + " WHERE id = ANY($1) AND " + NOT_FINAL + " AND " + due("") + " AND " + claimable("", 6)
      + " AND " + windowAllows("") + "),"
      + " picked AS (SELECT due.id FROM due LEFT JOIN unnest($3::text[], $4::int[]) AS r(origin, room)"
      + " ON r.origin = due.origin WHERE due.n <= coalesce(r.room, $5)),"
      + " claimed AS ("
      + " UPDATE webhook_deliveries"
      + " SET attempt_count = attempt_count + 1, leased_until = clock_timestamp() + make_interval(secs => $2),"
      + " claim_token = $7,"
      + " updated_at = now()"
      + " WHERE id = ANY(ARRAY(SELECT id FROM picked)) AND " + NOT_FINAL + " AND " + due("")
      + " AND " + claimable("", 6) + " AND " + windowAllows("")
      + " RETURNING " + DELIVERY_COLUMNS + ")"
      + " SELECT true AS won, false AS held, false AS ended, " + DELIVERY_COLUMNS + " FROM claimed"
      + " UNION ALL"
      + " SELECT false AS won, d.id IN (SELECT id FROM due) AND d.id NOT IN (SELECT id FROM picked) AS held,"
      + " " + due("d.") + " AND " + windowEnded("d.") + " AS ended, "
      + DELIVERY_COLUMNS + " FROM webhook_deliveries d"
      + " WHERE d.id = ANY($1) AND d." + NOT_FINAL + " AND " + claimable("d.", 6)
      + " AND NOT EXISTS (SELECT 1 FROM claimed c WHERE c.id = d.id)";

  /*
   * Gives back a claim that was never sent (its origin's circuit opened after the claim): the
   * attempt it counted is returned, so a deferred delivery keeps its budget. Fenced on the
   * attempt and the replay count, so a claim that has meanwhile passed to another worker (or a row
   * an operator replayed) is left alone.
   */
  private static final String RELEASE = "UPDATE webhook_deliveries"
      + " SET attempt_count = attempt_count - 1, scheduled_for = now() + make_interval(secs => $3), leased_until = NULL,"
      + " updated_at = now()"
      + " WHERE id = $1 AND attempt_count = $2 AND replays = $4 AND " + NOT_FINAL
      + " RETURNING scheduled_for";

  /*
   * Gives back the claims a claim statement made whose answer never came back (it timed out or its
   * connection broke): none of them was sent. A row whose token changed was claimed again since,
   * by someone who owns it now, and is left alone; so is a row that has moved on.
   */
  private static final String UNCLAIM = "UPDATE webhook_deliveries"
      + " SET attempt_count = attempt_count - 1, leased_until = NULL, claim_token = NULL, updated_at = now()"
      + " WHERE id = ANY($1) AND claim_token = $2 AND " + NOT_FINAL
      + " RETURNING id";

  private static final String LOCK_ROWS = "SELECT id FROM webhook_deliveries WHERE id = ANY($1) ORDER BY id FOR UPDATE";

  /*
   * Fenced: only the worker holding this attempt of a still-pending row, not replayed since it was
   * claimed, can record its outcome, and only a recorded outcome uses up the budget (recorded_attempts).
   * One statement records a whole batch of outcomes, and the attempt-log rows ride in it, so
   * logging costs no extra round trip.
   *
   * An attempt the fence keeps out (a newer attempt took the row after its lease ran out, or the
   * delivery was cancelled while it was in flight) was still sent, and the receiver may have
   * acted on it (or the delivery was replayed after that), it gets a log row of its own with
   * outcome 'cancelled', and the row, owned by
   * someone else now, is left alone. "fenced" reads the row as the statement found it; an attempt
   * that already has a log row (a write that committed although its answer was lost, then
   * retried) is not logged twice, and a row retention deleted gets none.
   */
  private static final String RECORD_OUTCOMES = "WITH input AS ("
      + " SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::int[], $5::text[], $6::float8[],"
      + " $7::timestamptz[], $8::int[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],"
      + " $15::int[])"
      + " AS i(id, attempt, status, status_code, error, delay, started_at, duration_ms, outcome, error_class,"
      + " error_message, body, content_type, retry_after, replays)),"
      + " updated AS (UPDATE webhook_deliveries d"
      + " SET status = i.status, last_status_code = i.status_code, last_error = i.error,"
      + " recorded_attempts = d.recorded_attempts + 1,"
      + " scheduled_for = CASE WHEN i.status = 'pending' THEN now() + make_interval(secs => i.delay) ELSE d.scheduled_for END,"
      + " leased_until = NULL, updated_at = now()"
      + " FROM input i WHERE d.id = i.id AND d.attempt_count = i.attempt AND d.replays = i.replays AND d." + NOT_FINAL
      + " RETURNING d.id, d.attempt_count, d.scheduled_for),"
      + " fenced AS (SELECT i.*, d.status AS row_status, d.attempt_count AS row_attempt, d.replays AS row_replays"
      + " FROM input i JOIN webhook_deliveries d ON d.id = i.id"
      + " WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.id = i.id AND u.attempt_count = i.attempt)"
      + " AND NOT EXISTS (SELECT 1 FROM webhook_delivery_attempts a WHERE a.delivery_id = i.id AND a.attempt = i.attempt)),"
      + " logged AS (INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome,"
      + " status_code, error_class, error_message, response_body, response_content_type, response_retry_after)"
      + " SELECT i.id, i.attempt, i.started_at, i.duration_ms, i.outcome, i.status_code, i.error_class, i.error_message,"
      + " i.body, i.content_type, i.retry_after FROM input i"
      + " JOIN updated u ON u.id = i.id AND u.attempt_count = i.attempt"
      + " UNION ALL"
      + " SELECT f.id, f.attempt, f.started_at, f.duration_ms, '" + RecordResult.CANCELLED + "', f.status_code,"
      + " f.error_class, f.error_message, f.body, f.content_type, f.retry_after FROM fenced f)"
      + " SELECT id, attempt_count AS attempt, scheduled_for, NULL::text AS row_status, NULL::int AS row_attempt,"
      + " NULL::int AS row_replays FROM updated"
      + " UNION ALL"
      + " SELECT id, attempt, NULL, row_status, row_attempt, row_replays FROM fenced";

  /*
   * Keyset pages over the pending due index (scheduled_for, id), so a sweep reads the overdue part
   * of the pending set, not the final rows, and needs no index of its own. Rows under a lease are
   * read and skipped: they are at most what is in flight.
   */
  private static final String OVERDUE_PAGE = "SELECT id, scheduled_for FROM webhook_deliveries"
      + " WHERE status = 'pending' AND " + due("") + " AND " + claimable("", 4) + " AND " + windowAllows("")
      + " AND (scheduled_for, id) > ($1, $2)"
      + " ORDER BY scheduled_for, id LIMIT $3";

  /*
   * A row none of whose last claims got an outcome recorded, as many times as the bound allows,
   * (every worker that took it died, or storage refused every write) can never be claimed again;
   * once its lease is over it is parked rather than left pending forever, inside its window or past
   * it. Recorded outcomes alone can never leave a row pending with its budget used up; the second
   * case is a safety net.
   */
  private static final String DEAD_LETTER_STUCK = "UPDATE webhook_deliveries"
      + " SET status = 'dead_letter', updated_at = now(), last_error = CASE"
      + " WHEN recorded_attempts >= max_attempts - budget_start"
      + " THEN 'attempts_exhausted: ' || recorded_attempts || ' attempts recorded'"
      + " ELSE 'unrecorded_attempts: the outcomes of ' || (attempt_count - budget_start - recorded_attempts)"
      + " || ' attempts (the last was attempt ' || attempt_count || ') were never recorded; each worker that took it"
      + " stopped or lost storage before recording' END"
      + " WHERE status = 'pending' AND " + due("") + " AND NOT (" + claimable("", 1) + ")"
      + " RETURNING " + EVENT_COLUMNS;

  /*
   * A 410 Gone disables the endpoint URL for its organization (once: a second 410 finds it disabled)
   * and cancels the organization's other pending deliveries to it, in flight ones included (their
   * outcome is then fenced out and logged as cancelled). Event rows never disable anything.
   * Rows another transaction holds are skipped, not waited for: two workers that hear 410 from the
   * same endpoint at once would otherwise each wait for the other's outcome row and deadlock. A row
   * skipped that way is being recorded right now; if it stays pending, its next send meets the 410.
   * The pending rows are found by (organization, origin) in their own index ($7 is the URL's
   * origin), then by the URL. Two outcome batches can each hold a 410 for the other's endpoint: the
   * caller runs this in (organization, URL) order, so they take the disabled-endpoint keys in the
   * same order and cannot deadlock.
   */
  private static final String DISABLE_ENDPOINT = "WITH disabled AS (INSERT INTO webhook_disabled_endpoints"
      + " (organization_id, endpoint_url, reason, delivery_uuid, status_code) VALUES ($1, $2, $3, $4, $5)"
      + " ON CONFLICT DO NOTHING RETURNING organization_id),"
      + " doomed AS (SELECT id FROM webhook_deliveries"
      + " WHERE organization_id = $1 AND origin = $7 AND status = 'pending' AND endpoint_url = $2 AND kind = 'delivery'"
      + " FOR UPDATE SKIP LOCKED),"
      + " cancelled AS (UPDATE webhook_deliveries d SET status = 'cancelled', last_error = $6, updated_at = now()"
      + " FROM doomed WHERE d.id = doomed.id RETURNING d.id, d.delivery_uuid, d.organization_id, d.workflow_run_id,"
      + " d.webhook_node_id, d.attempt_count, d.last_status_code, d.last_error, d.kind, d.replays)"
      + " SELECT (SELECT count(*) FROM disabled) > 0 AS newly, c.* FROM (SELECT 1) AS one LEFT JOIN cancelled c ON true";

  /*
   * Rows whose window ended while they waited (an open circuit, a full origin, an outage), not
   * under a lease, with no attempt left to settle. The claim expires those it is handed; this
   * finds the rest.
   */
  private static final String EXPIRE_OVERDUE = "UPDATE webhook_deliveries SET status = 'expired', updated_at = now(),"
      + " last_error = 'expired: the delivery window ended before attempt ' || (attempt_count + 1) || ' could start'"
      + " WHERE status = 'pending' AND " + windowEnded("") + " AND " + due("");

  private static final String EXPIRE_ALL = EXPIRE_OVERDUE + " RETURNING " + EVENT_COLUMNS;

  private static final String EXPIRE_THESE = EXPIRE_OVERDUE + " AND id = ANY($1) RETURNING " + EVENT_COLUMNS;

  private final Pool pool;
  private final int maxUnrecorded;
  private final EventRows eventRows;

  /** {@code maxUnrecorded}: how many claims of one budget may end without a recorded outcome. */
  public DeliveryRepository(Pool pool, int maxUnrecorded) {
    this(pool, maxUnrecorded, EventRows.none());
  }

  /** As above, writing outcome events as event rows when {@code eventRows} is enabled. */
  public DeliveryRepository(Pool pool, int maxUnrecorded, EventRows eventRows) {
    this.pool = pool;
    this.maxUnrecorded = maxUnrecorded;
    this.eventRows = eventRows;
  }

  /**
   * Get-or-create, idempotent on (run, node), for many deliveries in one transaction of three
   * statements, whatever their number. An item whose run is another organization's is refused
   * with a {@link TenantMismatchException} in its outcome.
   * Answers one outcome per item, in order. Items are taken in order, so within a batch the first
   * item for a (run, node) creates it and later ones see it as existing, and the first item of a
   * new run decides its organization. A refused item writes nothing; the others still commit.
   */
  public Future<List<CreateOutcome>> createAll(List<NewDelivery> deliveries) {
    if (deliveries.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Long[] runs = deliveries.stream().map(NewDelivery::workflowRunId).distinct().sorted().toArray(Long[]::new);
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_RUNS).execute(Tuple.of(runs))
        .compose(locked -> conn.preparedQuery(SELECT_RUNS).execute(Tuple.of(runs,
            deliveries.stream().map(NewDelivery::organizationId).toArray(Long[]::new),
            deliveries.stream().map(NewDelivery::endpointUrl).toArray(String[]::new))))
        .compose(existing -> insertNew(conn, deliveries, new CreatePlan(deliveries, existing))));
  }

  private static Future<List<CreateOutcome>> insertNew(SqlConnection conn, List<NewDelivery> deliveries,
                                                       CreatePlan plan) {
    List<NewDelivery> fresh = plan.toInsert();
    if (fresh.isEmpty()) {
      return Future.succeededFuture(plan.outcomes(List.of()));
    }
    int n = fresh.size();
    UUID[] uuids = new UUID[n];
    Long[] orgs = new Long[n];
    Long[] runs = new Long[n];
    String[] nodes = new String[n];
    String[] names = new String[n];
    String[] urls = new String[n];
    String[] methods = new String[n];
    String[] payloads = new String[n];
    String[] headers = new String[n];
    UUID[] credentials = new UUID[n];
    Integer[] maxAttempts = new Integer[n];
    String[] origins = new String[n];
    String[] retries = new String[n];
    Double[] windows = new Double[n];
    for (int i = 0; i < n; i++) {
      NewDelivery d = fresh.get(i);
      uuids[i] = UUID.randomUUID();
      orgs[i] = d.organizationId();
      runs[i] = d.workflowRunId();
      nodes[i] = d.webhookNodeId();
      names[i] = d.webhookName();
      urls[i] = d.endpointUrl();
      methods[i] = d.httpMethod();
      payloads[i] = d.payload();
      headers[i] = CustomHeader.toJson(d.customHeaders()).encode();
      credentials[i] = d.credentialUuid();
      maxAttempts[i] = d.maxAttempts();
      origins[i] = Origins.of(d.endpointUrl());
      RetryPlan retry = d.retry();
      retries[i] = retry == null ? null : retry.toJson().encode();
      windows[i] = retry == null || retry.deliverWithin() == null ? null : seconds(retry.deliverWithin());
    }
    Tuple params = Tuple.tuple()
        .addArrayOfUUID(uuids)
        .addArrayOfLong(orgs)
        .addArrayOfLong(runs)
        .addArrayOfString(nodes)
        .addArrayOfString(names)
        .addArrayOfString(urls)
        .addArrayOfString(methods)
        .addArrayOfString(payloads)
        .addArrayOfString(headers)
        .addArrayOfUUID(credentials)
        .addArrayOfInteger(maxAttempts)
        .addArrayOfString(origins)
        .addArrayOfString(retries)
        .addArrayOfDouble(windows);
    return conn.preparedQuery(INSERT_ALL).execute(params).compose(rows -> {
      Map<UUID, CreateResult> inserted = new HashMap<>(rows.size() * 2);
      for (Row row : rows) {
        UUID uuid = row.getUUID("delivery_uuid");
        inserted.put(uuid, new CreateResult(true, row.getLong("id"), uuid,
            row.getOffsetDateTime("scheduled_for").toInstant()));
      }
      List<CreateResult> created = new ArrayList<>(n);
      for (UUID uuid : uuids) {
        CreateResult result = inserted.get(uuid);
        if (result == null) {
          // The run locks make a conflict impossible; if one happens anyway, roll the batch back.
          return Future.failedFuture(new IllegalStateException("a delivery conflicted despite its run lock"));
        }
        created.add(result);
      }
      return Future.succeededFuture(plan.outcomes(created));
    });
  }

  /**
   * Claims the due ones of {@code ids}, keeping each origin within its room in {@code rooms}, and
   * marks them with {@code token} (see {@link #unclaim}).
   */
  public Future<ClaimResult> claim(List<Long> ids, Duration lease, OriginRooms rooms, long token) {
    String[] origins = new String[rooms.limited().size()];
    Integer[] room = new Integer[origins.length];
    int i = 0;
    for (Map.Entry<String, Integer> limited : rooms.limited().entrySet()) {
      origins[i] = limited.getKey();
      room[i++] = limited.getValue();
    }
    Tuple params = Tuple.of(ids.toArray(new Long[0]), seconds(lease))
        .addArrayOfString(origins)
        .addArrayOfInteger(room)
        .addInteger(rooms.otherOrigins())
        .addInteger(maxUnrecorded)
        .addLong(token);
    return pool.preparedQuery(CLAIM).execute(params).map(rows -> {
      List<ClaimedDelivery> claimed = new ArrayList<>(rows.size());
      List<DueRef> stillPending = new ArrayList<>(0);
      List<HeldDelivery> held = new ArrayList<>(0);
      List<Long> ended = new ArrayList<>(0);
      for (Row row : rows) {
        if (row.getBoolean("won")) {
          claimed.add(toClaimed(row));
        } else if (row.getBoolean("held")) {
          held.add(new HeldDelivery(row.getLong("id"), originOf(row)));
        } else if (row.getBoolean("ended")) {
          ended.add(row.getLong("id"));
        } else {
          stillPending.add(new DueRef(row.getLong("id"), dueMillis(row)));
        }
      }
      return new ClaimResult(claimed, stillPending, held, ended);
    });
  }

  /**
   * Gives back the claims among {@code ids} that a claim statement marked with {@code token} and
   * that nobody has claimed again since: for a claim whose answer was lost, so nothing was sent.
   * Answers how many were given back.
   */
  public Future<Integer> unclaim(List<Long> ids, long token) {
    Long[] rows = ids.toArray(new Long[0]);
    // The claim may still be running: waiting for the rows' locks first means the UPDATE, a new
    // statement with a new snapshot, sees whatever that claim committed (an UPDATE alone would not
    // wait for a row whose committed version does not carry the token yet).
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_ROWS).execute(Tuple.of(rows))
        .compose(locked -> conn.preparedQuery(UNCLAIM).execute(Tuple.of(rows, token)))
        .map(RowSet::rowCount));
  }

  /**
   * Returns an unsent claim's attempt and makes the row due after {@code delay}. Answers the new
   * due time, or empty when the row has moved on (another attempt owns it, or it is final).
   */
  public Future<Optional<Instant>> release(long id, int attempt, int replays, Duration delay) {
    return pool.preparedQuery(RELEASE).execute(Tuple.of(id, attempt, seconds(delay), replays)).map(rows -> rows.size() == 0
        ? Optional.empty()
        : Optional.of(rows.iterator().next().getOffsetDateTime("scheduled_for").toInstant()));
  }

  /**
   * Records many fenced outcomes in one statement. One answer per write, in order: recorded with
   * the row's new due time, cancelled (fenced out, logged as such) or neither; see {@link RecordResult}.
   *
   * <p>When Postgres refuses the batch for what one write holds (a value, an index row too large
   * for a legacy URL's disabled-endpoint key) or rolls it back as a deadlock victim, the batch is
   * split in two and each half recorded on its own, down to the write that was refused, so one 410
   * cannot leave its neighbours' outcomes unrecorded (and their deliveries sent again). A lone write
   * that still fails because of its endpoint's disabling is recorded without it: the outcome is the
   * delivery's truth; the disabling is what the next 410 from that endpoint tries again.
   */
  public Future<List<RecordResult>> recordOutcomes(List<OutcomeWrite> writes) {
    if (writes.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return recordTogether(writes).recover(error -> {
      if (!StorageFailures.isBatchRefusal(error)) {
        return Future.failedFuture(error);
      }
      if (writes.size() == 1) {
        OutcomeWrite write = writes.get(0);
        if (write.gone() == null) {
          return Future.failedFuture(error);
        }
        LOG.warn("delivery={} attempt={} answered 410 Gone, but its endpoint could not be disabled ({}); the outcome"
            + " is recorded without it", write.deliveryId(), write.attempt(), error.getMessage());
        return recordTogether(List.of(write.withoutGone()));
      }
      int half = writes.size() / 2;
      return recordOutcomes(writes.subList(0, half)).compose(first -> recordOutcomes(writes.subList(half, writes.size()))
          .map(second -> {
            List<RecordResult> all = new ArrayList<>(first);
            all.addAll(second);
            return all;
          }));
    });
  }

  /** One statement (one transaction when it causes more), without the splitting: package-visible for tests. */
  Future<List<RecordResult>> recordTogether(List<OutcomeWrite> writes) {
    int n = writes.size();
    Long[] ids = new Long[n];
    Integer[] attempts = new Integer[n];
    String[] statuses = new String[n];
    Integer[] codes = new Integer[n];
    String[] errors = new String[n];
    Double[] delays = new Double[n];
    OffsetDateTime[] started = new OffsetDateTime[n];
    Integer[] durations = new Integer[n];
    String[] outcomes = new String[n];
    String[] errorClasses = new String[n];
    String[] errorMessages = new String[n];
    String[] bodies = new String[n];
    String[] contentTypes = new String[n];
    String[] retryAfters = new String[n];
    Integer[] replays = new Integer[n];
    for (int i = 0; i < n; i++) {
      OutcomeWrite write = writes.get(i);
      AttemptOutcome outcome = write.outcome();
      AttemptLog log = write.log();
      ids[i] = write.deliveryId();
      attempts[i] = write.attempt();
      statuses[i] = outcome.status().column();
      codes[i] = outcome.statusCode();
      errors[i] = text(truncate(outcome.error()));
      delays[i] = outcome.retryDelay() == null ? 0d : seconds(outcome.retryDelay());
      started[i] = log.startedAt().atOffset(ZoneOffset.UTC);
      durations[i] = log.durationMillis();
      outcomes[i] = outcome.logName();
      errorClasses[i] = log.errorClass();
      errorMessages[i] = text(truncate(log.errorMessage()));
      bodies[i] = text(log.responseBody());
      contentTypes[i] = text(log.contentType());
      retryAfters[i] = text(log.retryAfter());
      replays[i] = write.replays();
    }
    Tuple params = Tuple.tuple()
        .addArrayOfLong(ids)
        .addArrayOfInteger(attempts)
        .addArrayOfString(statuses)
        .addArrayOfInteger(codes)
        .addArrayOfString(errors)
        .addArrayOfDouble(delays)
        .addArrayOfOffsetDateTime(started)
        .addArrayOfInteger(durations)
        .addArrayOfString(outcomes)
        .addArrayOfString(errorClasses)
        .addArrayOfString(errorMessages)
        .addArrayOfString(bodies)
        .addArrayOfString(contentTypes)
        .addArrayOfString(retryAfters)
        .addArrayOfInteger(replays);
    boolean causes = writes.stream().anyMatch(w -> w.gone() != null || (eventRows.enabled() && !w.events().isEmpty()));
    if (!causes) {
      return pool.preparedQuery(RECORD_OUTCOMES).execute(params).map(rows -> recordResults(writes, rows))
          .map(results -> withEvents(writes, results));
    }
    // The outcomes, the endpoints they disable and the event rows they cause commit together.
    return pool.withTransaction(conn -> conn.preparedQuery(RECORD_OUTCOMES).execute(params)
        .map(rows -> recordResults(writes, rows))
        .compose(results -> disableGone(conn, writes, results))
        .compose(results -> writeEventRows(conn, results)));
  }

  private static List<RecordResult> recordResults(List<OutcomeWrite> writes, RowSet<Row> rows) {
    // Keyed by id and attempt: a stale and a current attempt of one row can share a batch.
    Map<String, RecordResult> found = new HashMap<>(rows.size() * 2);
    for (Row row : rows) {
      String key = row.getLong("id") + "/" + row.getInteger("attempt");
      OffsetDateTime dueAt = row.getOffsetDateTime("scheduled_for");
      found.put(key, dueAt != null ? RecordResult.recorded(dueAt.toInstant())
          : RecordResult.cancelled(row.getString("row_status"), row.getInteger("row_attempt"),
              row.getInteger("row_replays")));
    }
    List<RecordResult> results = new ArrayList<>(writes.size());
    for (OutcomeWrite write : writes) {
      results.add(found.getOrDefault(write.deliveryId() + "/" + write.attempt(), RecordResult.neither()));
    }
    return results;
  }

  /** Attaches to each recorded outcome the events it causes (without event rows: none are written). */
  private static List<RecordResult> withEvents(List<OutcomeWrite> writes, List<RecordResult> results) {
    List<RecordResult> told = new ArrayList<>(results.size());
    for (int i = 0; i < results.size(); i++) {
      RecordResult result = results.get(i);
      List<OutcomeEvent> events = writes.get(i).events();
      told.add(result.recorded() && !events.isEmpty() ? result.with(new Emitted(events, List.of())) : result);
    }
    return told;
  }

  /**
   * For each recorded 410: disables its endpoint and cancels the organization's pending deliveries
   * to it. Their events join the outcome's (endpoint.disabled only from the write that disabled it).
   */
  private static Future<List<RecordResult>> disableGone(SqlConnection conn, List<OutcomeWrite> writes,
                                                        List<RecordResult> recorded) {
    List<RecordResult> results = withEvents(writes, recorded);
    Future<List<RecordResult>> chain = Future.succeededFuture(results);
    // In (organization, URL) order, whatever the batch's order: every transaction takes the
    // disabled-endpoint keys it inserts in one order, so two of them cannot deadlock.
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < writes.size(); i++) {
      if (writes.get(i).gone() != null && results.get(i).recorded()) {
        order.add(i);
      }
    }
    order.sort(Comparator.comparingLong((Integer i) -> writes.get(i).gone().organizationId())
        .thenComparing(i -> writes.get(i).gone().endpointUrl()));
    for (int index : order) {
      GoneEndpoint gone = writes.get(index).gone();
      OutcomeEvent disabled = gone.event();
      String why = GoneEndpoint.REASON + ": " + gone.endpointUrl() + " answered 410 Gone to delivery "
          + disabled.deliveryUuid();
      Tuple params = Tuple.of(gone.organizationId(), gone.endpointUrl(), why, disabled.deliveryUuid(),
          disabled.statusCode(), why, gone.origin());
      chain = chain.compose(sofar -> conn.preparedQuery(DISABLE_ENDPOINT).execute(params).map(rows -> {
        List<OutcomeEvent> events = new ArrayList<>();
        if (rows.iterator().next().getBoolean("newly")) {
          events.add(disabled);
        }
        events.addAll(EventRows.eventsOf(rows, OutcomeEvent.CANCELLED, disabled.occurredAt()));
        RecordResult result = sofar.get(index);
        List<RecordResult> next = new ArrayList<>(sofar);
        next.set(index, result.with(result.emitted().plus(new Emitted(events, List.of()))));
        return next;
      }));
    }
    return chain;
  }

  /** Writes the event rows of every recorded outcome's events, attaching each row to the outcome that caused it. */
  private Future<List<RecordResult>> writeEventRows(SqlConnection conn, List<RecordResult> results) {
    Future<List<RecordResult>> chain = Future.succeededFuture(results);
    for (int i = 0; i < results.size(); i++) {
      Emitted emitted = results.get(i).emitted();
      if (emitted.events().isEmpty()) {
        continue;
      }
      int index = i;
      chain = chain.compose(sofar -> eventRows.insert(conn, emitted.events()).map(rows -> {
        List<RecordResult> next = new ArrayList<>(sofar);
        next.set(index, sofar.get(index).with(new Emitted(emitted.events(), rows)));
        return next;
      }));
    }
    return chain;
  }


  /**
   * A delivery as an attempt would take it, without claiming it (to show what is sent); its
   * attempt is the last one sent (0 before the first). Null when there is no such delivery.
   */
  public Future<ClaimedDelivery> findToSend(UUID deliveryUuid) {
    return pool.preparedQuery(FIND_TO_SEND).execute(Tuple.of(deliveryUuid))
        .map(rows -> rows.size() == 0 ? null : toClaimed(rows.iterator().next()));
  }

  /** The overdue pending rows after {@code after} in (scheduled_for, id) order, at most {@code limit}. */
  public Future<OverduePage> overduePage(OverduePage.Cursor after, int limit) {
    Tuple params = Tuple.of(after.scheduledFor().atOffset(ZoneOffset.UTC), after.id(), limit, maxUnrecorded);
    return pool.preparedQuery(OVERDUE_PAGE).execute(params).map(rows -> {
      List<DueRef> refs = new ArrayList<>(rows.size());
      OverduePage.Cursor next = after;
      for (Row row : rows) {
        Instant scheduledFor = row.getOffsetDateTime("scheduled_for").toInstant();
        refs.add(new DueRef(row.getLong("id"), scheduledFor.toEpochMilli()));
        next = new OverduePage.Cursor(scheduledFor, row.getLong("id"));
      }
      return new OverduePage(refs, next);
    });
  }

  /** Parks overdue rows that may not be claimed again (too many unrecorded attempts), with their events. */
  public Future<EventRows.Finalized> deadLetterStuck() {
    return eventRows.finalize(pool, DEAD_LETTER_STUCK, Tuple.of(maxUnrecorded), OutcomeEvent.DEAD_LETTERED);
  }

  /** Ends the given rows as expired, with their events, where their window has passed (the claim's "ended" ones). */
  public Future<EventRows.Finalized> expire(List<Long> ids) {
    return eventRows.finalize(pool, EXPIRE_THESE, Tuple.of(ids.toArray(new Long[0])), OutcomeEvent.EXPIRED);
  }

  /** Ends pending rows whose window has passed as expired, with their events. */
  public Future<EventRows.Finalized> expireOverdue() {
    return eventRows.finalize(pool, EXPIRE_ALL, Tuple.tuple(), OutcomeEvent.EXPIRED);
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
        row.getInteger("recorded_attempts") + 1,
        row.getInteger("max_attempts") - row.getInteger("budget_start"),
        originOf(row),
        row.getString("webhook_node_id"),
        DeliveryKind.fromColumn(row.getString("kind")),
        RetryPlan.fromJson((JsonObject) row.getValue("retry")),
        instantOrNull(row.getOffsetDateTime("expires_at")),
        row.getInteger("replays"));
  }

  /** Rows created before the origin column existed and already final have none; pending ones were filled. */
  private static String originOf(Row row) {
    String origin = row.getString("origin");
    return origin != null ? origin : Origins.of(row.getString("endpoint_url"));
  }

  private static Instant instantOrNull(OffsetDateTime time) {
    return time == null ? null : time.toInstant();
  }

  /** When a pending row may next be claimed: when it is due, or when its lease ends if that is later. */
  private static long dueMillis(Row row) {
    return NextDue.of(row.getOffsetDateTime("scheduled_for"), row.getOffsetDateTime("leased_until"))
        .toInstant().toEpochMilli();
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
