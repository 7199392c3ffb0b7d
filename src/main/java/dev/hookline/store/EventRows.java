package dev.hookline.store;

import dev.hookline.config.HooklineConfig;
import dev.hookline.domain.DeliveryKind;
import dev.hookline.domain.DueRef;
import dev.hookline.domain.Emitted;
import dev.hookline.domain.OutcomeEvent;
import dev.hookline.domain.Origins;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Writes outcome events as event deliveries (kind 'event') to {@code events.webhookUrl}, always on
 * the connection of the transaction that records the outcome, so an event row exists exactly when
 * its outcome does. The event's node id makes a second write of the same event a no-op.
 */
public final class EventRows {
  /** What a statement that moves rows to a final status returns, so their events can be told. */
  static final String EVENT_COLUMNS = "id, delivery_uuid, organization_id, workflow_run_id, webhook_node_id,"
      + " attempt_count, last_status_code, last_error, kind, replays";

  private static final String INSERT = "INSERT INTO webhook_deliveries (kind, delivery_uuid, organization_id,"
      + " workflow_run_id, webhook_node_id, endpoint_url, http_method, payload, max_attempts, origin)"
      + " SELECT 'event', u, o, r, n, $5, 'POST', p, $6, $7"
      + " FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::text[], $8::text[]) AS i(u, o, r, n, p)"
      + " ON CONFLICT (workflow_run_id, webhook_node_id) DO NOTHING"
      + " RETURNING id, scheduled_for";

  private final HooklineConfig.Events config;
  private final int maxAttempts;
  private final String origin;

  /** {@code maxAttempts}: the budget of each event delivery (delivery.maxAttempts). */
  public EventRows(HooklineConfig.Events config, int maxAttempts) {
    this.config = config;
    this.maxAttempts = maxAttempts;
    this.origin = config.toWebhook() ? Origins.of(config.webhookUrl()) : null;
  }

  /** Writes no event rows: events go out on the event bus only. */
  public static EventRows none() {
    return new EventRows(new HooklineConfig.Events("", "", List.of()), 1);
  }

  /** True when outcomes must be written in a transaction with their event rows. */
  public boolean enabled() {
    return config.toWebhook();
  }

  /** Inserts the wanted ones of {@code events}; answers the rows written, to be queued after the commit. */
  public Future<List<DueRef>> insert(SqlConnection conn, List<OutcomeEvent> events) {
    List<OutcomeEvent> wanted = enabled() ? events.stream().filter(e -> config.wants(e.type())).toList() : List.of();
    if (wanted.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    int n = wanted.size();
    UUID[] uuids = new UUID[n];
    Long[] orgs = new Long[n];
    Long[] runs = new Long[n];
    String[] nodes = new String[n];
    String[] payloads = new String[n];
    for (int i = 0; i < n; i++) {
      OutcomeEvent event = wanted.get(i);
      uuids[i] = UUID.randomUUID();
      orgs[i] = event.organizationId();
      runs[i] = event.workflowRunId();
      nodes[i] = event.eventNodeId();
      payloads[i] = event.toJson().encode();
    }
    Tuple params = Tuple.tuple().addArrayOfUUID(uuids).addArrayOfLong(orgs).addArrayOfLong(runs)
        .addArrayOfString(nodes).addString(config.webhookUrl()).addInteger(maxAttempts).addString(origin)
        .addArrayOfString(payloads);
    return conn.preparedQuery(INSERT).execute(params).map(rows -> {
      List<DueRef> written = new ArrayList<>(rows.size());
      for (Row row : rows) {
        written.add(new DueRef(row.getLong("id"), row.getOffsetDateTime("scheduled_for").toInstant().toEpochMilli()));
      }
      return written;
    });
  }

  /**
   * One event of {@code type} per returned row of {@link #EVENT_COLUMNS}, none for event rows
   * (events are never told about events) or for the empty row of an outer join.
   */
  static List<OutcomeEvent> eventsOf(RowSet<Row> rows, String type, Instant occurredAt) {
    List<OutcomeEvent> events = new ArrayList<>(rows.size());
    for (Row row : rows) {
      if (row.getLong("id") == null || DeliveryKind.fromColumn(row.getString("kind")) == DeliveryKind.EVENT) {
        continue;
      }
      events.add(new OutcomeEvent(type, row.getUUID("delivery_uuid"), row.getLong("id"), row.getLong("organization_id"),
          row.getLong("workflow_run_id"), row.getString("webhook_node_id"), row.getInteger("attempt_count"),
          row.getInteger("last_status_code"), row.getString("last_error"), occurredAt, row.getInteger("replays")));
    }
    return events;
  }

  /**
   * Runs {@code sql}, which moves rows to a final status and returns {@link #EVENT_COLUMNS}, and
   * writes the event rows of its {@code type} events in the same transaction.
   */
  Future<Finalized> finalize(Pool pool, String sql, Tuple params, String type) {
    Instant now = Instant.now();
    if (!enabled()) {
      return pool.preparedQuery(sql).execute(params)
          .map(rows -> new Finalized(rows, new Emitted(eventsOf(rows, type, now), List.of())));
    }
    return pool.withTransaction(conn -> conn.preparedQuery(sql).execute(params).compose(rows -> {
      List<OutcomeEvent> events = eventsOf(rows, type, now);
      return insert(conn, events).map(written -> new Finalized(rows, new Emitted(events, written)));
    }));
  }

  /** The rows a change moved to a final status, and what that has to tell. */
  public record Finalized(RowSet<Row> rows, Emitted emitted) {
    public int count() {
      return rows.rowCount();
    }
  }
}
