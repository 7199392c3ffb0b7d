package dev.hookline.api;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Bearer-token check for every route registered after it. Tokens are compared as SHA-256 digests
 * with {@link MessageDigest#isEqual} against every configured token, so neither the position of the
 * first wrong byte nor which token matched shows in the timing.
 */
final class BearerAuth implements Handler<RoutingContext> {
  private static final String PREFIX = "Bearer ";
  private final List<byte[]> digests;

  BearerAuth(List<String> tokens) {
    this.digests = tokens.stream().map(BearerAuth::sha256).toList();
  }

  boolean open() {
    return digests.isEmpty();
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (open() || authorized(ctx.request().getHeader("Authorization"))) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    ApiError.send(ctx, 401, null, "missing or invalid bearer token");
  }

  private boolean authorized(String header) {
    if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return false;
    }
    byte[] presented = sha256(header.substring(PREFIX.length()).trim());
    boolean match = false;
    for (byte[] digest : digests) {
      match |= MessageDigest.isEqual(digest, presented);
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
