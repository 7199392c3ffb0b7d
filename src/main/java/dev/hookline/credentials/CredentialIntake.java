package dev.hookline.credentials;

import dev.hookline.domain.Fields;
import dev.hookline.domain.InvalidRequestException;
import dev.hookline.domain.Utf8Check;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * Validates credential writes from the event bus and the HTTP API and hands them to the store.
 * Replies never carry secret values.
 */
public final class CredentialIntake {
  private final CredentialStore store;
  private final String headerPrefix;

  public CredentialIntake(CredentialStore store, String headerPrefix) {
    this.store = store;
    this.headerPrefix = headerPrefix;
  }

  /** Creates (no or unknown uuid) or rotates a credential: {@code {organizationId, credentialUuid?, type, data}}. */
  public Future<CredentialStore.StoredCredential> put(Object body) {
    try {
      JsonObject json = Fields.object(body, "body");
      Utf8Check.requireValid(json, "");
      long organizationId = Fields.positiveLong(json, "organizationId");
      UUID uuid = json.getValue("credentialUuid") == null ? UUID.randomUUID() : Fields.uuid(json, "credentialUuid");
      String type = json.getValue("type") instanceof String t ? t : null;
      JsonObject data = json.getValue("data") == null ? null : Fields.object(json.getValue("data"), "data");
      CredentialData.validate(type, data, headerPrefix);
      return store.put(organizationId, uuid, type, data);
    } catch (InvalidRequestException e) {
      return Future.failedFuture(e);
    }
  }

  /** {@code {organizationId, credentialUuid}}; true when something was deleted. */
  public Future<Boolean> delete(Object body) {
    try {
      JsonObject json = Fields.object(body, "body");
      return store.delete(Fields.positiveLong(json, "organizationId"), Fields.uuid(json, "credentialUuid"));
    } catch (InvalidRequestException e) {
      return Future.failedFuture(e);
    }
  }
}
