package dev.hookline.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The console's last hour, read from the attempt log (joined to its deliveries for the
 * organization and the origin). Every statement takes {@code $1}, an organization id, or null for
 * every organization (an operator's view).
 */
public final class DeliveryStats {
  /*
   * Attempts per minute over the last 60 minutes, the current one included, oldest first; every
   * minute is present, with zeros when nothing was attempted. An attempt the fence kept off its row
   * ('cancelled') is neither: the receiver's answer to it decided nothing.
   */
  private static final String PER_MINUTE = "WITH minutes AS (SELECT generate_series(date_trunc('minute', now())"
      + " - interval '59 minutes', date_trunc('minute', now()), interval '1 minute') AS minute),"
      + " recent AS (SELECT date_trunc('minute', a.started_at) AS minute, a.outcome"
      + " FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"
      + " WHERE a.started_at >= date_trunc('minute', now()) - interval '59 minutes'"
      + " AND ($1::bigint IS NULL OR d.organization_id = $1))"
      + " SELECT m.minute, count(r.outcome) FILTER (WHERE r.outcome = 'succeeded') AS succeeded,"
      + " count(r.outcome) FILTER (WHERE r.outcome IN ('retry', 'dead_letter', 'expired')) AS failed"
      + " FROM minutes m LEFT JOIN recent r ON r.minute = m.minute GROUP BY m.minute ORDER BY m.minute";

  // Rows written before the origin column existed and already final have none; hookline_origin (V6) derives it.
  private static final String ORIGIN = "coalesce(d.origin, hookline_origin(d.endpoint_url))";

  /* Each origin attempted in the last hour: attempts, successes and the status code of the latest attempt. */
  private static final String ORIGINS = "SELECT " + ORIGIN + " AS origin, count(*) AS attempts,"
      + " count(*) FILTER (WHERE a.outcome = 'succeeded') AS succeeded,"
      + " (array_agg(a.status_code ORDER BY a.started_at DESC, a.id DESC))[1] AS last_status_code"
      + " FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"
      + " WHERE a.started_at >= now() - interval '1 hour' AND ($1::bigint IS NULL OR d.organization_id = $1)"
      + " GROUP BY 1 ORDER BY attempts DESC, origin";

  /* Of the origins in $2, those an organization has deliveries to: what a tenant may be told about. */
  private static final String ORIGINS_USED = "SELECT DISTINCT " + ORIGIN + " AS origin FROM webhook_deliveries d"
      + " WHERE d.organization_id = $1 AND " + ORIGIN + " = ANY($2::text[])";

  private final Pool pool;

  public DeliveryStats(Pool pool) {
    this.pool = pool;
  }

  /** 60 entries, oldest first: {@code {"minute", "succeeded", "failed"}}. */
  public Future<JsonArray> perMinute(Long organizationId) {
    return pool.preparedQuery(PER_MINUTE).execute(Tuple.of(organizationId)).map(rows -> {
      JsonArray minutes = new JsonArray();
      for (Row row : rows) {
        minutes.add(new JsonObject()
            .put("minute", row.getOffsetDateTime("minute").toInstant().toString())
            .put("succeeded", row.getLong("succeeded"))
            .put("failed", row.getLong("failed")));
      }
      return minutes;
    });
  }

  /** The origins attempted in the last hour, busiest first. */
  public Future<List<OriginHour>> originsLastHour(Long organizationId) {
    return pool.preparedQuery(ORIGINS).execute(Tuple.of(organizationId)).map(rows -> {
      List<OriginHour> origins = new ArrayList<>(rows.size());
      for (Row row : rows) {
        origins.add(new OriginHour(row.getString("origin"), row.getLong("attempts"), row.getLong("succeeded"),
            row.getInteger("last_status_code")));
      }
      return origins;
    });
  }

  /** Which of {@code origins} the organization has any delivery to. */
  public Future<Set<String>> originsUsedBy(long organizationId, Set<String> origins) {
    if (origins.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    // addArrayOfString: Tuple.of(a, array) would take the array as varargs, one parameter per origin.
    return pool.preparedQuery(ORIGINS_USED).execute(Tuple.of(organizationId).addArrayOfString(origins.toArray(String[]::new)))
        .map(rows -> {
          List<String> used = new ArrayList<>(rows.size());
          rows.forEach(row -> used.add(row.getString("origin")));
          return Set.copyOf(used);
        });
  }

  /** One origin's last hour; {@code lastStatusCode} is null when the latest attempt got no answer. */
  public record OriginHour(String origin, long attempts, long succeeded, Integer lastStatusCode) {
  }
}
