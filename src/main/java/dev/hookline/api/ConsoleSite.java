package dev.hookline.api;

import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.ConsoleSessions;
import dev.hookline.web.ApiError;
import dev.hookline.web.Caller;
import dev.hookline.web.RequestBodies;
import dev.hookline.web.Responses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.Locale;

/**
 * The operator console: its pages and assets from the classpath's {@code console/} at
 * {@code /console/…}, and the sign-in session at {@code /console/session}. Mounted before the
 * API's authentication: the pages hold no data (they read it from {@code /v1/…} with the session
 * cookie), and the sign-in page must open without one.
 */
final class ConsoleSite {
  static final String SESSION_COOKIE = "hookline_session";
  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self';"
      + " img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none';"
      + " object-src 'none'";
  /** A wrong token is answered this much later, so guessing runs at one try per second per connection. */
  static final long REFUSAL_DELAY_MILLIS = 1_000;

  private final Vertx vertx;
  private final BearerAuth auth;
  private final ConsoleSessions sessions;
  private final HooklineMetrics metrics;

  ConsoleSite(Vertx vertx, BearerAuth auth, ConsoleSessions sessions, HooklineMetrics metrics) {
    this.vertx = vertx;
    this.auth = auth;
    this.sessions = sessions;
    this.metrics = metrics;
  }

  void mount(Router router, int maxRequestBytes) {
    router.route().pathRegex("^/console(/.*)?$").handler(ConsoleSite::securityHeaders);
    // A regex, not the path "/console": Vert.x matches a plain path with or without its trailing
    // slash, so "/console/" would redirect to itself.
    router.get().pathRegex("^/console$").handler(ctx -> ctx.redirect("/console/"));
    router.post("/console/session").handler(BodyHandler.create(false).setBodyLimit(maxRequestBytes));
    router.post("/console/session").handler(this::signIn);
    router.get("/console/session").handler(this::current);
    router.delete("/console/session").handler(this::signOut);
    router.route("/console/*").handler(StaticHandler.create("console").setCachingEnabled(false));
    router.route("/console/*").handler(ctx -> ApiError.send(ctx, 404, null, "no such page: " + ctx.request().path()));
  }

  /** On every console answer: no inline script or style, nothing from another origin, never framed. */
  private static void securityHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer");
    ctx.next();
  }

  /** A valid API token in, a session cookie out; the token is neither kept nor logged. */
  private void signIn(RoutingContext ctx) {
    noStore(ctx);
    if (!CrossSite.sameOrigin(ctx)) {
      // A sign-in from another site's page would put the browser in a session of that site's choosing.
      CrossSite.refuse(ctx);
      return;
    }
    if (auth.open()) {
      ctx.response().setStatusCode(204).end();
      return;
    }
    String token = presentedToken(ctx);
    Caller caller = token == null ? null : auth.callerOf(token);
    if (caller == null) {
      metrics.consoleSignInRefused();
      vertx.setTimer(REFUSAL_DELAY_MILLIS, id -> ApiError.send(ctx, 401, "token", "that token is not valid"));
      return;
    }
    sessions.open(caller.organizationId()).onComplete(ar -> {
      if (ar.failed()) {
        Responses.fail(ctx, ar.cause());
        return;
      }
      ctx.response().addCookie(cookie(ctx, ar.result().id(), sessions.lifetime().toSeconds()));
      ctx.response().setStatusCode(204).end();
    });
  }

  /** The form's token, JSON or form-encoded; null when there is none. */
  private static String presentedToken(RoutingContext ctx) {
    String contentType = String.valueOf(ctx.request().getHeader("Content-Type")).toLowerCase(Locale.ROOT);
    Object token = contentType.startsWith("application/x-www-form-urlencoded")
        ? ctx.request().getFormAttribute("token")
        : RequestBodies.jsonBody(ctx, true).getValue("token");
    return token instanceof String text && !text.isEmpty() ? text : null;
  }

  /** Who the browser is signed in as, and the CSRF token its state-changing requests carry; 401 without a session. */
  private void current(RoutingContext ctx) {
    noStore(ctx);
    if (auth.open()) {
      Responses.json(ctx, 200, new JsonObject().put("organizationId", null).put("csrfToken", null).put("open", true));
      return;
    }
    sessions.find(sessionId(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        Responses.fail(ctx, ar.cause());
      } else if (ar.result() == null) {
        ApiError.send(ctx, 401, null, "not signed in");
      } else {
        Responses.json(ctx, 200, new JsonObject().put("organizationId", ar.result().organizationId())
            .put("csrfToken", ar.result().csrfToken()).put("open", false));
      }
    });
  }

  /** Ends the session (with its CSRF token: another site must not sign the browser out) and clears the cookie. */
  private void signOut(RoutingContext ctx) {
    noStore(ctx);
    String id = sessionId(ctx);
    sessions.find(id).onComplete(found -> {
      if (found.failed()) {
        Responses.fail(ctx, found.cause());
        return;
      }
      ConsoleSessions.Session session = found.result();
      if (session != null && !CrossSite.allowed(ctx, session)) {
        CrossSite.refuse(ctx);
        return;
      }
      (session == null ? Future.<Void>succeededFuture() : sessions.close(id)).onComplete(closed -> {
        if (closed.failed()) {
          Responses.fail(ctx, closed.cause());
          return;
        }
        ctx.response().addCookie(cookie(ctx, "", 0));
        ctx.response().setStatusCode(204).end();
      });
    });
  }

  private static String sessionId(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(SESSION_COOKIE);
    return cookie == null ? null : cookie.getValue();
  }

  private static Cookie cookie(RoutingContext ctx, String value, long maxAgeSeconds) {
    return Cookie.cookie(SESSION_COOKIE, value).setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
        .setMaxAge(maxAgeSeconds).setSecure(CrossSite.secure(ctx));
  }

  private static void noStore(RoutingContext ctx) {
    ctx.response().putHeader("Cache-Control", "no-store");
  }
}
