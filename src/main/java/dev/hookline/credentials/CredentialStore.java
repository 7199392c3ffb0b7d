package dev.hookline.credentials;

import dev.hookline.domain.CredentialConflictException;
import dev.hookline.domain.CredentialKeyException;
import dev.hookline.security.KeyRing;
import dev.hookline.security.SecretCipher;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only code that reads or writes {@code webhook_credentials}. Secret data is sealed with
 * AES-256-GCM bound to (organization, uuid) before it reaches the database and opened only here,
 * at send time. Lookups are always scoped to an organization, so one tenant can never borrow
 * another's credential by uuid.
 */
public final class CredentialStore {
  private static final Logger LOG = LoggerFactory.getLogger(CredentialStore.class);

  private static final String COLUMNS = "uuid, organization_id, type, data, key_id, nonce, ciphertext, created_at, updated_at";
  private static final String SELECT = "SELECT " + COLUMNS + " FROM webhook_credentials WHERE uuid = $1 AND organization_id = $2";
  private static final String LIST = "SELECT " + COLUMNS + " FROM webhook_credentials WHERE organization_id = $1 ORDER BY created_at, uuid";
  private static final String OWNER = "SELECT organization_id FROM webhook_credentials WHERE uuid = $1";

  private static final String UPSERT = "INSERT INTO webhook_credentials (uuid, organization_id, type, data, key_id, nonce, ciphertext)"
      + " VALUES ($1, $2, $3, NULL, $4, $5, $6)"
      + " ON CONFLICT (uuid) DO UPDATE SET type = EXCLUDED.type, data = NULL, key_id = EXCLUDED.key_id,"
      + " nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext, updated_at = now()"
      + " WHERE webhook_credentials.organization_id = EXCLUDED.organization_id"
      + " RETURNING (xmax = 0) AS inserted, created_at, updated_at";

  // Fenced on the nonce that was read: a credential rotated meanwhile keeps its new secret.
  private static final String RESEAL = "UPDATE webhook_credentials SET data = NULL, key_id = $3, nonce = $4,"
      + " ciphertext = $5, updated_at = now() WHERE uuid = $1 AND organization_id = $2"
      + " AND nonce IS NOT DISTINCT FROM $6";

  private static final String DELETE = "DELETE FROM webhook_credentials WHERE uuid = $1 AND organization_id = $2";

  private static final String NEEDS_RESEAL = "SELECT " + COLUMNS + " FROM webhook_credentials"
      + " WHERE (key_id IS DISTINCT FROM $1) AND uuid > $2 ORDER BY uuid LIMIT 200";

  private static final String ONE_PER_KEY = "SELECT DISTINCT ON (key_id) " + COLUMNS + " FROM webhook_credentials"
      + " WHERE key_id IS NOT NULL ORDER BY key_id, uuid";

  private final Pool pool;
  private final SecretCipher cipher;
  private final KeyRing keys;

  public CredentialStore(Pool pool, KeyRing keys) {
    this.pool = pool;
    this.keys = keys;
    this.cipher = new SecretCipher(keys);
  }

  /**
   * The credential for a delivery, opened now so a rotated secret is used on the next attempt.
   * A missing or unusable credential is logged (by uuid, never by content) and yields nothing.
   */
  public Future<Optional<Credential>> resolve(long organizationId, UUID credentialUuid) {
    if (credentialUuid == null) {
      return Future.succeededFuture(Optional.empty());
    }
    return pool.preparedQuery(SELECT).execute(Tuple.of(credentialUuid, organizationId)).map(rows -> {
      if (rows.size() == 0) {
        LOG.warn("credential {} not found in organization {}; a delivery is sent without it, a test send refused",
            credentialUuid, organizationId);
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      Optional<Credential> credential = CredentialData.toCredential(row.getString("type"), open(row));
      if (credential.isEmpty()) {
        LOG.warn("credential {} of type {} is incomplete; a delivery is sent without it, a test send refused",
            credentialUuid, row.getString("type"));
      }
      return credential;
    });
  }

  /**
   * Creates or rotates a credential. Fails with {@link CredentialConflictException} when the uuid
   * belongs to another organization. {@code data} must already be validated.
   */
  public Future<StoredCredential> put(long organizationId, UUID credentialUuid, String type, JsonObject data) {
    SecretCipher.Sealed sealed;
    try {
      sealed = cipher.seal(data.toBuffer().getBytes(), organizationId, credentialUuid);
    } catch (IllegalStateException e) {
      return Future.failedFuture(new CredentialKeyException("no encryption key configured: set security.secretKeys"
          + " or HOOKLINE_SECRET_KEYS before storing credentials"));
    }
    Tuple params = Tuple.of(credentialUuid, organizationId, type, sealed.keyId(), Buffer.buffer(sealed.nonce()),
        Buffer.buffer(sealed.ciphertext()));
    return pool.preparedQuery(UPSERT).execute(params).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(new CredentialConflictException(credentialUuid));
      }
      Row row = rows.iterator().next();
      return Future.succeededFuture(new StoredCredential(credentialUuid, organizationId, type,
          CredentialData.masked(type, data), sealed.keyId(), row.getBoolean("inserted"),
          row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at")));
    });
  }

  public Future<Boolean> delete(long organizationId, UUID credentialUuid) {
    return pool.preparedQuery(DELETE).execute(Tuple.of(credentialUuid, organizationId)).map(rows -> rows.rowCount() == 1);
  }

  /** One credential with its secrets masked, or empty. */
  public Future<Optional<StoredCredential>> find(long organizationId, UUID credentialUuid) {
    return pool.preparedQuery(SELECT).execute(Tuple.of(credentialUuid, organizationId)).map(rows ->
        rows.size() == 0 ? Optional.empty() : Optional.of(view(rows.iterator().next())));
  }

  public Future<List<StoredCredential>> list(long organizationId) {
    return pool.preparedQuery(LIST).execute(Tuple.of(organizationId)).map(rows -> {
      List<StoredCredential> views = new ArrayList<>(rows.size());
      rows.forEach(row -> views.add(view(row)));
      return views;
    });
  }

  /** Whether the uuid exists in another organization than {@code organizationId}. */
  public Future<Boolean> ownedElsewhere(long organizationId, UUID credentialUuid) {
    return pool.preparedQuery(OWNER).execute(Tuple.of(credentialUuid)).map(rows -> rows.size() > 0
        && rows.iterator().next().getLong("organization_id") != organizationId);
  }

  /** Re-seals every credential not yet under the active key (plaintext rows included); returns how many. */
  public Future<Integer> rotateKeys() {
    if (keys.isEmpty()) {
      return Future.failedFuture(new CredentialKeyException("no encryption key configured"));
    }
    // Postgres orders uuids as unsigned bytes, so the all-zero uuid is below every other.
    return rotateFrom(new UUID(0L, 0L), 0);
  }

  private Future<Integer> rotateFrom(UUID after, int soFar) {
    return pool.preparedQuery(NEEDS_RESEAL).execute(Tuple.of(keys.activeKeyId(), after)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(soFar);
      }
      List<Tuple> updates = new ArrayList<>(rows.size());
      UUID last = after;
      for (Row row : rows) {
        UUID uuid = row.getUUID("uuid");
        long org = row.getLong("organization_id");
        SecretCipher.Sealed sealed = cipher.seal(open(row).toBuffer().getBytes(), org, uuid);
        Buffer readNonce = row.getBuffer("nonce");
        updates.add(Tuple.of(uuid, org, sealed.keyId(), Buffer.buffer(sealed.nonce()), Buffer.buffer(sealed.ciphertext()),
            readNonce));
        last = uuid;
      }
      UUID next = last;
      return pool.preparedQuery(RESEAL).executeBatch(updates).compose(done -> rotateFrom(next, soFar + updates.size()));
    });
  }

  /**
   * Start-up check: every key id in use must be configured and must really open its rows, or
   * deliveries would silently go out without their credentials.
   */
  public Future<Void> verifyKeys() {
    return pool.query(ONE_PER_KEY).execute().compose(rows -> {
      for (Row row : rows) {
        String keyId = row.getString("key_id");
        try {
          open(row);
        } catch (SecretCipher.DecryptionException e) {
          return Future.failedFuture(new CredentialKeyException("encrypted credentials exist under key id " + keyId
              + " but no configured key can decrypt them (security.secretKeys / HOOKLINE_SECRET_KEYS): "
              + e.getMessage()));
        }
      }
      return Future.succeededFuture();
    });
  }

  private JsonObject open(Row row) {
    if (row.getString("key_id") == null) {
      // A row written before encryption: jsonb arrives as a JsonObject.
      Object legacy = row.getValue("data");
      return legacy instanceof JsonObject object ? object : legacy == null ? new JsonObject() : new JsonObject(legacy.toString());
    }
    byte[] plain = cipher.open(new SecretCipher.Sealed(row.getString("key_id"), row.getBuffer("nonce").getBytes(),
        row.getBuffer("ciphertext").getBytes()), row.getLong("organization_id"), row.getUUID("uuid"));
    return new JsonObject(new String(plain, StandardCharsets.UTF_8));
  }

  private StoredCredential view(Row row) {
    JsonObject masked;
    try {
      masked = CredentialData.masked(row.getString("type"), open(row));
    } catch (SecretCipher.DecryptionException e) {
      masked = new JsonObject();
    }
    return new StoredCredential(row.getUUID("uuid"), row.getLong("organization_id"), row.getString("type"), masked,
        row.getString("key_id"), false, row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at"));
  }

  /** A credential as the API shows it: secrets masked. */
  public record StoredCredential(UUID uuid, long organizationId, String type, JsonObject maskedData, String keyId,
                                 boolean created, OffsetDateTime createdAt, OffsetDateTime updatedAt) {
    public JsonObject toJson() {
      return new JsonObject()
          .put("credentialUuid", uuid.toString())
          .put("organizationId", organizationId)
          .put("type", type)
          .put("data", maskedData)
          .put("keyId", keyId)
          .put("createdAt", createdAt == null ? null : createdAt.toInstant().toString())
          .put("updatedAt", updatedAt == null ? null : updatedAt.toInstant().toString());
    }
  }
}
