package dev.hookline.api;

import dev.hookline.queue.ConsoleSessions;
import dev.hookline.web.ApiError;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * The checks that keep another site from acting through a signed-in browser. A cookie goes with
 * every request the browser makes to this server, whoever's page asked for it; a custom header
 * does not (another origin cannot set one without a CORS grant, which this server never gives),
 * and the browser's Origin header tells where a request came from.
 */
final class CrossSite {
  static final String CSRF_HEADER = "X-CSRF-Token";
  private static final Set<HttpMethod> CHANGING = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE,
      HttpMethod.PATCH);

  private CrossSite() {
  }

  static boolean changesState(RoutingContext ctx) {
    return CHANGING.contains(ctx.request().method());
  }

  /** The session's CSRF token in the header, and no Origin other than this server's. */
  static boolean allowed(RoutingContext ctx, ConsoleSessions.Session session) {
    String presented = ctx.request().getHeader(CSRF_HEADER);
    return presented != null && sameOrigin(ctx) && MessageDigest.isEqual(
        presented.getBytes(StandardCharsets.UTF_8), session.csrfToken().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * No Origin header (not a browser, or a same-origin GET), or the origin this request was
   * addressed to: the scheme it arrived over (or the proxy says) and its Host header.
   */
  static boolean sameOrigin(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    if (origin == null) {
      return true;
    }
    String host = ctx.request().getHeader("Host");
    return host != null && origin.equalsIgnoreCase((secure(ctx) ? "https://" : "http://") + host);
  }

  /** Over TLS here, or at the proxy in front that says so. */
  static boolean secure(RoutingContext ctx) {
    return ctx.request().isSSL() || "https".equalsIgnoreCase(ctx.request().getHeader("X-Forwarded-Proto"));
  }

  static void refuse(RoutingContext ctx) {
    ApiError.send(ctx, 403, null, "cross-site request refused");
  }
}
