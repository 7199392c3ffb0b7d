package dev.hookline.queue;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Console sign-ins, shared by every worker through Redis: one key per session,
 * {@code <prefix>:console-session:<sha256 of the session id, hex>}, expiring with the session. The
 * value names only the caller and the session's CSRF token, never the API token it was opened with;
 * the id itself is not stored either, so a copy of Redis opens no browser's session. One key per
 * operation, so it works the same on a Redis Cluster.
 */
public final class ConsoleSessions {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder URL_SAFE = Base64.getUrlEncoder().withoutPadding();

  private final Redis redis;
  private final String keyPrefix;
  private final Duration lifetime;

  public ConsoleSessions(Redis redis, String keyPrefix, Duration lifetime) {
    this.redis = redis;
    this.keyPrefix = keyPrefix + ":console-session:";
    this.lifetime = lifetime;
  }

  public Duration lifetime() {
    return lifetime;
  }

  /** Opens a session for {@code organizationId} (null: an operator); answers its id, for the cookie, and its CSRF token. */
  public Future<Opened> open(Long organizationId) {
    String id = randomToken();
    Session session = new Session(organizationId, randomToken());
    JsonObject value = new JsonObject().put("organizationId", organizationId).put("csrfToken", session.csrfToken());
    return redis.send(Request.cmd(Command.SET).arg(key(id)).arg(value.encode()).arg("EX").arg(lifetime.toSeconds()))
        .map(ok -> new Opened(id, session));
  }

  /** The session {@code id} names, or null when there is none (never was, expired or signed out). */
  public Future<Session> find(String id) {
    if (id == null || id.isEmpty()) {
      return Future.succeededFuture(null);
    }
    return redis.send(Request.cmd(Command.GET).arg(key(id))).map(found -> {
      if (found == null) {
        return null;
      }
      JsonObject value = new JsonObject(found.toString());
      return new Session(value.getLong("organizationId"), value.getString("csrfToken"));
    });
  }

  public Future<Void> close(String id) {
    return redis.send(Request.cmd(Command.DEL).arg(key(id))).mapEmpty();
  }

  /** The Redis key of a session id (tests look at what it holds). */
  public String key(String id) {
    return keyPrefix + HexFormat.of().formatHex(sha256(id));
  }

  /** 256 random bits, base64url without padding. */
  private static String randomToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return URL_SAFE.encodeToString(bytes);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A signed-in browser: who it acts as (null organization: an operator) and its CSRF token. */
  public record Session(Long organizationId, String csrfToken) {
  }

  /** A new session and the id its cookie carries. */
  public record Opened(String id, Session session) {
  }
}
