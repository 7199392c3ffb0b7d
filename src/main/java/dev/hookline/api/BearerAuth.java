package dev.hookline.api;

import dev.hookline.config.ApiToken;
import dev.hookline.web.ApiError;
import dev.hookline.web.Caller;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Bearer-token check for every route registered after it; a match attaches the token's
 * {@link Caller}. Tokens are compared as SHA-256 digests with {@link MessageDigest#isEqual}
 * against every configured token, so neither the position of the first wrong byte nor which
 * token matched shows in the timing.
 */
final class BearerAuth implements Handler<RoutingContext> {
  private static final String PREFIX = "Bearer ";
  private final List<byte[]> digests;
  private final List<Caller> callers;

  BearerAuth(List<ApiToken> tokens) {
    this.digests = tokens.stream().map(t -> sha256(t.token())).toList();
    this.callers = tokens.stream().map(t -> new Caller(t.organizationId())).toList();
  }

  boolean open() {
    return digests.isEmpty();
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (open()) {
      ctx.next();
      return;
    }
    Caller caller = caller(ctx.request().getHeader("Authorization"));
    if (caller != null) {
      caller.attachTo(ctx);
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    ApiError.send(ctx, 401, null, "missing or invalid bearer token");
  }

  /** The caller a valid header names, or null. Every digest is compared, whichever matches. */
  Caller caller(String header) {
    if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return null;
    }
    byte[] presented = sha256(header.substring(PREFIX.length()).trim());
    Caller match = null;
    for (int i = 0; i < digests.size(); i++) {
      if (MessageDigest.isEqual(digests.get(i), presented) && match == null) {
        match = callers.get(i);
      }
    }
    return match;
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
