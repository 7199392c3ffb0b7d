package dev.hookline.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only code that reads or writes {@code webhook_credentials}. Lookups are always scoped to the
 * delivery's organization, so one tenant can never borrow another's credential by uuid. Keeping
 * every access here is what lets encryption at rest be added in one place.
 */
public final class CredentialStore {
  private static final Logger LOG = LoggerFactory.getLogger(CredentialStore.class);

  private static final String SELECT = "SELECT type, data FROM webhook_credentials WHERE uuid = $1 AND organization_id = $2";

  private static final String UPSERT = "INSERT INTO webhook_credentials (uuid, organization_id, type, data)"
      + " VALUES ($1, $2, $3, $4)"
      + " ON CONFLICT (uuid) DO UPDATE SET type = EXCLUDED.type, data = EXCLUDED.data, updated_at = now()"
      + " WHERE webhook_credentials.organization_id = EXCLUDED.organization_id";

  private static final String DELETE = "DELETE FROM webhook_credentials WHERE uuid = $1 AND organization_id = $2";

  private final Pool pool;

  public CredentialStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * The auth header for a delivery, resolved now so a rotated secret is used on the next attempt.
   * A missing or unusable credential is logged (by uuid, never by content) and yields no header.
   */
  public Future<Optional<AuthHeader>> resolve(long organizationId, UUID credentialUuid) {
    if (credentialUuid == null) {
      return Future.succeededFuture(Optional.empty());
    }
    return pool.preparedQuery(SELECT).execute(Tuple.of(credentialUuid, organizationId)).map(rows -> {
      if (rows.size() == 0) {
        LOG.warn("credential {} not found in organization {}; sending without it", credentialUuid, organizationId);
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      Optional<AuthHeader> header = AuthHeader.from(row.getString("type"), row.getJsonObject("data"));
      if (header.isEmpty()) {
        LOG.warn("credential {} of type {} is incomplete; sending without it", credentialUuid, row.getString("type"));
      }
      return header;
    });
  }

  /** Creates or rotates a credential; returns false when the uuid belongs to another organization. */
  public Future<Boolean> put(long organizationId, UUID credentialUuid, String type, JsonObject data) {
    return pool.preparedQuery(UPSERT).execute(Tuple.of(credentialUuid, organizationId, type, data))
        .map(rows -> rows.rowCount() == 1);
  }

  public Future<Boolean> delete(long organizationId, UUID credentialUuid) {
    return pool.preparedQuery(DELETE).execute(Tuple.of(credentialUuid, organizationId))
        .map(rows -> rows.rowCount() == 1);
  }
}
