package dev.hookline.api;

import dev.hookline.config.ApiToken;
import dev.hookline.queue.ConsoleSessions;
import dev.hookline.web.ApiError;
import dev.hookline.web.Caller;
import dev.hookline.web.Responses;
import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The API's authentication, for every route registered after it; a match attaches the caller's
 * {@link Caller}. A bearer token wins when one is presented. Without one, a console session cookie
 * is accepted (see {@link ConsoleSite}); a state-changing request it authenticates must also pass
 * the cross-site checks. Tokens are compared as SHA-256 digests with {@link MessageDigest#isEqual}
 * against every configured token, so neither the position of the first wrong byte nor which token
 * matched shows in the timing.
 */
final class BearerAuth implements Handler<RoutingContext> {
  private static final String PREFIX = "Bearer ";
  private final List<byte[]> digests;
  private final List<Caller> callers;
  private final ConsoleSessions sessions;

  BearerAuth(List<ApiToken> tokens, ConsoleSessions sessions) {
    this.digests = tokens.stream().map(t -> sha256(t.token())).toList();
    this.callers = tokens.stream().map(t -> new Caller(t.organizationId())).toList();
    this.sessions = sessions;
  }

  boolean open() {
    return digests.isEmpty();
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (open()) {
      // Nothing to sign in with, but a page on another site must still not drive the open API from a browser.
      if (header == null && CrossSite.changesState(ctx) && !CrossSite.sameOrigin(ctx)) {
        CrossSite.refuse(ctx);
        return;
      }
      ctx.next();
      return;
    }
    if (header != null) {
      Caller caller = caller(header);
      if (caller != null) {
        caller.attachTo(ctx);
        ctx.next();
        return;
      }
      unauthorized(ctx);
      return;
    }
    Cookie cookie = ctx.request().getCookie(ConsoleSite.SESSION_COOKIE);
    if (cookie == null) {
      unauthorized(ctx);
      return;
    }
    // The look-up is asynchronous: hold the body until the body handler after this one reads it.
    ctx.request().pause();
    sessions.find(cookie.getValue()).onComplete(ar -> {
      if (ar.failed()) {
        Responses.fail(ctx, ar.cause());
      } else if (ar.result() == null) {
        unauthorized(ctx);
      } else if (CrossSite.changesState(ctx) && !CrossSite.allowed(ctx, ar.result())) {
        CrossSite.refuse(ctx);
      } else {
        new Caller(ar.result().organizationId()).attachTo(ctx);
        ctx.next();
      }
    });
  }

  private static void unauthorized(RoutingContext ctx) {
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    ApiError.send(ctx, 401, null, "missing or invalid bearer token");
  }

  /** The caller a valid Authorization header names, or null. */
  Caller caller(String header) {
    if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return null;
    }
    return callerOf(header.substring(PREFIX.length()).trim());
  }

  /** The caller a token names, or null. Every digest is compared, whichever matches. */
  Caller callerOf(String token) {
    byte[] presented = sha256(token);
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
