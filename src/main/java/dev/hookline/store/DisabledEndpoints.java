package dev.hookline.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The endpoint URLs disabled for an organization after answering 410 Gone: listing them and
 * enabling one again. They are disabled by the outcome write that saw the 410 (see DeliveryRepository).
 */
public final class DisabledEndpoints {
  private static final String COLUMNS = "organization_id, endpoint_url, disabled_at, reason, delivery_uuid, status_code";

  // Keyset pages over the primary key; $1 null lists every organization (an operator's view).
  private static final String LIST = "SELECT " + COLUMNS + " FROM webhook_disabled_endpoints"
      + " WHERE ($1::bigint IS NULL OR organization_id = $1) AND (organization_id, endpoint_url) > ($2, $3)"
      + " ORDER BY organization_id, endpoint_url LIMIT $4";

  private static final String ENABLE = "DELETE FROM webhook_disabled_endpoints"
      + " WHERE organization_id = $1 AND endpoint_url = $2 RETURNING " + COLUMNS;

  private static final String COUNT = "SELECT count(*) AS n FROM webhook_disabled_endpoints"
      + " WHERE ($1::bigint IS NULL OR organization_id = $1)";

  private final Pool pool;

  public DisabledEndpoints(Pool pool) {
    this.pool = pool;
  }

  /** One page after ({@code afterOrganization}, {@code afterUrl}); {@code organizationId} null for all. */
  public Future<List<JsonObject>> list(Long organizationId, long afterOrganization, String afterUrl, int limit) {
    return pool.preparedQuery(LIST).execute(Tuple.of(organizationId, afterOrganization, afterUrl, limit)).map(rows -> {
      List<JsonObject> items = new ArrayList<>(rows.size());
      rows.forEach(row -> items.add(toJson(row)));
      return items;
    });
  }

  /** How many are disabled, for one organization or ({@code organizationId} null) all. */
  public Future<Long> count(Long organizationId) {
    return pool.preparedQuery(COUNT).execute(Tuple.of(organizationId)).map(rows -> rows.iterator().next().getLong("n"));
  }

  /** Enables the endpoint again; answers what was disabled, or null when it was not. */
  public Future<JsonObject> enable(long organizationId, String endpointUrl) {
    return pool.preparedQuery(ENABLE).execute(Tuple.of(organizationId, endpointUrl))
        .map(rows -> rows.size() == 0 ? null : toJson(rows.iterator().next()));
  }

  private static JsonObject toJson(Row row) {
    return new JsonObject()
        .put("organizationId", row.getLong("organization_id"))
        .put("endpointUrl", row.getString("endpoint_url"))
        .put("disabledAt", row.getOffsetDateTime("disabled_at").toInstant().toString())
        .put("reason", row.getString("reason"))
        .put("deliveryUuid", row.getUUID("delivery_uuid") == null ? null : row.getUUID("delivery_uuid").toString())
        .put("statusCode", row.getInteger("status_code"));
  }
}
