package dev.hookline.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.TestInfra;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The console's sign-in over real HTTP against a running Hookline, Postgres and Redis: the
 * session cookie and its attributes, the delay on a wrong token, the session in Redis holding no
 * token, the cookie accepted by the API with the CSRF token and refused without it or from another
 * origin, sign-out, and the headers on every console answer.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConsoleSessionTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String OPERATOR = "operator-token-0123456789abcdef";
  private static final String TENANT_7 = "tenant-seven-token-0123456789ab";
  private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
      + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

  private Fixture fixture;
  private TestInfra infra;
  private Hookline hookline;
  private ApiClient api;
  private Redis redis;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray()
        .add(OPERATOR)
        .add(new JsonObject().put("token", TENANT_7).put("organizationId", 7)));
    // A failed attempt is retried an hour later: a delivery stays pending for a cancel to act on.
    config.getJsonObject("delivery").put("baseDelaySeconds", 3_600).put("maxDelaySeconds", 3_600);
    fixture.receiver.behave(r -> Reply.status(503));
    hookline = fixture.startWithConfig(vertx, config);
    api = new ApiClient(vertx, hookline, OPERATOR);
    redis = Redis.createClient(vertx, TestInfra.REDIS_URL);
  }

  @AfterEach
  void tearDown() {
    try {
      api.close();
      redis.close();
    } finally {
      fixture.close();
    }
  }

  @Test
  void signingInSetsAnHttpOnlyStrictExpiringCookieAndTheSessionInRedisHoldsNoToken() {
    HttpResponse<Buffer> signedIn = signIn(OPERATOR, null);

    assertThat(signedIn.statusCode()).as(signedIn.bodyAsString()).isEqualTo(204);
    String setCookie = signedIn.getHeader("Set-Cookie");
    // Attribute names are case-insensitive (Netty writes "HTTPOnly").
    assertThat(setCookie).startsWith("hookline_session=").contains("; Path=/", "; Max-Age=28800", "; SameSite=Strict")
        .containsIgnoringCase("; HttpOnly").doesNotContainIgnoringCase("Secure");
    String id = cookieValue(setCookie);
    assertThat(id).matches("[A-Za-z0-9_-]{43}");
    assertThat(signedIn.getHeader("Cache-Control")).isEqualTo("no-store");

    String key = infra.keyPrefix + ":console-session:" + sha256Hex(id);
    Response stored = redis.send(Request.cmd(Command.GET).arg(key)).await();
    assertThat(stored).as("the session is stored under the hash of its id").isNotNull();
    JsonObject value = new JsonObject(stored.toString());
    assertThat(value.fieldNames()).containsExactlyInAnyOrder("organizationId", "csrfToken");
    assertThat(value.getLong("organizationId")).isNull();
    assertThat(stored.toString()).doesNotContain(OPERATOR).doesNotContain(id);
    long ttl = redis.send(Request.cmd(Command.TTL).arg(key)).await().toLong();
    assertThat(ttl).isBetween(28_000L, 28_800L);
    List<String> keys = sessionKeys();
    assertThat(keys).containsExactly(key);

    // Behind a TLS-terminating proxy the cookie is Secure; a form post signs in as well.
    HttpResponse<Buffer> viaProxy = api.anonymous(HttpMethod.POST, "/console/session")
        .putHeader("X-Forwarded-Proto", "https")
        .sendForm(MultiMap.caseInsensitiveMultiMap().add("token", TENANT_7)).await();
    assertThat(viaProxy.statusCode()).as(viaProxy.bodyAsString()).isEqualTo(204);
    assertThat(viaProxy.getHeader("Set-Cookie")).contains("; Secure", "; SameSite=Strict").containsIgnoringCase("; HttpOnly");
    HttpResponse<Buffer> tenantSession = withCookie(HttpMethod.GET, "/console/session",
        cookieValue(viaProxy.getHeader("Set-Cookie"))).send().await();
    assertThat(tenantSession.bodyAsJsonObject().getLong("organizationId")).isEqualTo(7L);
  }

  @Test
  void aWrongTokenIsRefusedAfterADelayNamingTheFieldAndIsCounted() {
    long started = System.nanoTime();
    HttpResponse<Buffer> refused = signIn("not-a-token-of-this-server-at-all", null);
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    ApiClient.assertError(refused, 401, "token");
    assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("that token is not valid");
    assertThat(refused.getHeader("Set-Cookie")).isNull();
    assertThat(tookMillis).isGreaterThanOrEqualTo(ConsoleSite.REFUSAL_DELAY_MILLIS - 50);
    assertThat(sessionKeys()).isEmpty();
    assertThat(api.get("/metrics").bodyAsString()).contains("hookline_console_sign_ins_refused_total 1.0");

    // A sign-in posted from another site's page is refused before the token is even looked at.
    HttpResponse<Buffer> crossSite = signIn(OPERATOR, "https://evil.example");
    ApiClient.assertError(crossSite, 403, null);
    assertThat(sessionKeys()).isEmpty();
  }

  @Test
  void theCookieWorksForTheApiButAStateChangeNeedsTheCsrfTokenAndThisOrigin() {
    String uuid = createPending(1);
    String session = cookieValue(signIn(OPERATOR, null).getHeader("Set-Cookie"));

    HttpResponse<Buffer> current = withCookie(HttpMethod.GET, "/console/session", session).send().await();
    assertThat(current.statusCode()).as(current.bodyAsString()).isEqualTo(200);
    String csrf = current.bodyAsJsonObject().getString("csrfToken");
    assertThat(csrf).matches("[A-Za-z0-9_-]{43}");
    assertThat(current.bodyAsJsonObject().getValue("organizationId")).isNull();
    assertThat(withCookie(HttpMethod.GET, "/console/session", "no-such-session").send().await().statusCode())
        .isEqualTo(401);
    assertThat(api.anonymous(HttpMethod.GET, "/console/session").send().await().statusCode()).isEqualTo(401);

    HttpResponse<Buffer> list = withCookie(HttpMethod.GET, "/v1/deliveries", session).send().await();
    assertThat(list.statusCode()).as(list.bodyAsString()).isEqualTo(200);
    assertThat(list.bodyAsJsonObject().getJsonArray("items")).hasSize(1);
    // A bearer header wins over the cookie, even a wrong one.
    assertThat(withCookie(HttpMethod.GET, "/v1/deliveries", session).putHeader("Authorization", "Bearer wrong")
        .send().await().statusCode()).isEqualTo(401);

    String cancel = "/v1/deliveries/" + uuid + "/cancel";
    assertCrossSiteRefused(withCookie(HttpMethod.POST, cancel, session).send().await());
    assertCrossSiteRefused(withCookie(HttpMethod.POST, cancel, session).putHeader("X-CSRF-Token", csrf + "x")
        .send().await());
    assertCrossSiteRefused(withCookie(HttpMethod.POST, cancel, session).putHeader("X-CSRF-Token", csrf)
        .putHeader("Origin", "https://evil.example").send().await());
    assertCrossSiteRefused(withCookie(HttpMethod.POST, "/v1/deliveries/retry", session)
        .putHeader("Origin", ownOrigin()).sendJsonObject(new JsonObject()).await());
    assertThat(status(uuid)).as("nothing changed").isEqualTo("pending");

    HttpResponse<Buffer> cancelled = withCookie(HttpMethod.POST, cancel, session).putHeader("X-CSRF-Token", csrf)
        .putHeader("Origin", ownOrigin()).send().await();
    assertThat(cancelled.statusCode()).as(cancelled.bodyAsString()).isEqualTo(200);
    assertThat(status(uuid)).isEqualTo("cancelled");
    // A JSON body goes through too: the session look-up holds it until the body handler reads it.
    HttpResponse<Buffer> created = withCookie(HttpMethod.POST, "/v1/deliveries", session)
        .putHeader("X-CSRF-Token", csrf).sendJsonObject(Messages.create(7, 2, "node-2", "http://127.0.0.1:9/x")).await();
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
  }

  @Test
  void aTenantSessionIsConfinedToItsOrganization() {
    String session = cookieValue(signIn(TENANT_7, null).getHeader("Set-Cookie"));

    ApiClient.assertError(withCookie(HttpMethod.GET, "/v1/deliveries?organizationId=8", session).send().await(),
        404, "organizationId");
    assertThat(withCookie(HttpMethod.GET, "/v1/deliveries?organizationId=7", session).send().await().statusCode())
        .isEqualTo(200);
    assertThat(withCookie(HttpMethod.GET, "/metrics", session).send().await().statusCode()).isEqualTo(403);
  }

  @Test
  void signingOutNeedsTheCsrfTokenThenEndsTheSession() {
    String session = cookieValue(signIn(OPERATOR, null).getHeader("Set-Cookie"));
    String csrf = withCookie(HttpMethod.GET, "/console/session", session).send().await().bodyAsJsonObject()
        .getString("csrfToken");

    assertCrossSiteRefused(withCookie(HttpMethod.DELETE, "/console/session", session).send().await());
    assertThat(sessionKeys()).hasSize(1);

    HttpResponse<Buffer> out = withCookie(HttpMethod.DELETE, "/console/session", session)
        .putHeader("X-CSRF-Token", csrf).send().await();
    assertThat(out.statusCode()).as(out.bodyAsString()).isEqualTo(204);
    assertThat(out.getHeader("Set-Cookie")).startsWith("hookline_session=;").contains("Max-Age=0");
    assertThat(sessionKeys()).isEmpty();
    assertThat(withCookie(HttpMethod.GET, "/v1/deliveries", session).send().await().statusCode()).isEqualTo(401);
    assertThat(withCookie(HttpMethod.GET, "/console/session", session).send().await().statusCode()).isEqualTo(401);
  }

  @Test
  void everyConsoleAnswerCarriesTheSecurityHeaders() {
    HttpResponse<Buffer> page = api.anonymous(HttpMethod.GET, "/console/f-probe.html").send().await();
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    HttpResponse<Buffer> script = api.anonymous(HttpMethod.GET, "/console/js/f-probe.js").send().await();
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.getHeader("Content-Type")).contains("javascript");
    HttpResponse<Buffer> missing = api.anonymous(HttpMethod.GET, "/console/no-such-page.html").send().await();
    assertThat(missing.statusCode()).isEqualTo(404);
    HttpResponse<Buffer> bare = api.anonymous(HttpMethod.GET, "/console").followRedirects(false).send().await();
    assertThat(bare.statusCode()).isEqualTo(302);
    assertThat(bare.getHeader("Location")).isEqualTo("/console/");
    HttpResponse<Buffer> overview = api.anonymous(HttpMethod.GET, "/console/").followRedirects(false).send().await();
    assertThat(overview.statusCode()).as("/console/ itself is the overview page, not a redirect to itself").isEqualTo(200);
    HttpResponse<Buffer> sessionAnswer = api.anonymous(HttpMethod.GET, "/console/session").send().await();

    for (HttpResponse<Buffer> answer : List.of(page, script, missing, bare, sessionAnswer)) {
      assertThat(answer.getHeader("Content-Security-Policy")).isEqualTo(CSP);
      assertThat(answer.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(answer.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
    }
    // The API's own answers are not pages and are left as they were.
    assertThat(api.get("/v1/deliveries").getHeader("Content-Security-Policy")).isNull();
  }

  @Test
  void theOpenApiNeedsNoSignInButABrowserOnAnotherOriginStillCannotChangeAnything(Vertx vertx) {
    Hookline open = fixture.startWithConfig(vertx, infra.config());
    try (ApiClient anyone = new ApiClient(vertx, open, "unused")) {
      HttpResponse<Buffer> session = anyone.anonymous(HttpMethod.GET, "/console/session").send().await();
      assertThat(session.statusCode()).as(session.bodyAsString()).isEqualTo(200);
      assertThat(session.bodyAsJsonObject().getBoolean("open")).isTrue();
      HttpResponse<Buffer> signIn = anyone.anonymous(HttpMethod.POST, "/console/session")
          .sendJsonObject(new JsonObject().put("token", "anything")).await();
      assertThat(signIn.statusCode()).isEqualTo(204);
      assertThat(signIn.getHeader("Set-Cookie")).isNull();

      assertCrossSiteRefused(anyone.anonymous(HttpMethod.POST, "/v1/deliveries/retry")
          .putHeader("Origin", "https://evil.example").sendJsonObject(new JsonObject()).await());
      assertThat(anyone.anonymous(HttpMethod.POST, "/v1/deliveries/retry")
          .putHeader("Origin", "http://127.0.0.1:" + open.httpPort()).sendJsonObject(new JsonObject()).await()
          .statusCode()).isEqualTo(200);
      assertThat(anyone.anonymous(HttpMethod.POST, "/v1/deliveries/retry").sendJsonObject(new JsonObject()).await()
          .statusCode()).as("curl sends no Origin").isEqualTo(200);
    }
  }

  private HttpResponse<Buffer> signIn(String token, String origin) {
    HttpRequest<Buffer> request = api.anonymous(HttpMethod.POST, "/console/session");
    if (origin != null) {
      request.putHeader("Origin", origin);
    }
    return request.sendJsonObject(new JsonObject().put("token", token)).await();
  }

  private HttpRequest<Buffer> withCookie(HttpMethod method, String path, String session) {
    return api.anonymous(method, path).putHeader("Cookie", "hookline_session=" + session);
  }

  private String ownOrigin() {
    return "http://127.0.0.1:" + hookline.httpPort();
  }

  /** A delivery that stays pending: its receiver answers 503 and the retry is an hour away. */
  private String createPending(long run) {
    JsonObject create = Messages.create(7, run, "node-1", fixture.receiver.url("/later"));
    HttpResponse<Buffer> created = api.post("/v1/deliveries", create);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("deliveryUuid");
  }

  private String status(String uuid) {
    return api.get("/v1/deliveries/" + uuid).bodyAsJsonObject().getString("status");
  }

  private List<String> sessionKeys() {
    Response page = redis.send(Request.cmd(Command.KEYS).arg(infra.keyPrefix + ":console-session:*")).await();
    return page.stream().map(Response::toString).toList();
  }

  private static void assertCrossSiteRefused(HttpResponse<Buffer> response) {
    ApiClient.assertError(response, 403, null);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("cross-site request refused");
  }

  private static String cookieValue(String setCookie) {
    return setCookie.substring("hookline_session=".length(), setCookie.indexOf(';'));
  }

  private static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
