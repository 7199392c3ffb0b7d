package dev.hookline.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.Browser;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The operator console in a real headless Chromium against a running Hookline (real Postgres,
 * Redis and HTTP receivers), signed in with an API token as an operator would: what it shows,
 * what its buttons do, and that it stays safe (wrong tokens, cross-site posts, hostile receiver
 * answers). Saves a screenshot of each page at desktop and phone width to docs/console/.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ConsoleIT {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String TOKEN = "console-operator-token-0123456789";
  private static final String SESSION_COOKIE = "hookline_session";
  private static final Path SCREENSHOTS = Path.of("docs", "console");
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String CRM_DOWN = "CRM under maintenance until 15:00 UTC, try again later";
  private static final String HOSTILE = "<script>window.pwned = 1; document.title = 'pwned';</script>"
      + "<img src=\"x\" onerror=\"window.pwned = 2\">";

  private static Browser browser;

  private final AtomicBoolean crmUp = new AtomicBoolean(false);
  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;
  private Hookline hookline;
  private ApiClient api;

  @BeforeAll
  static void startBrowser() {
    browser = Browser.start();
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.close();
    }
  }

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
    receiver.behave(r -> switch (r.path()) {
      case "/crm" -> crmUp.get() ? Reply.status(200) : new Reply(503, 0, false, Map.of("Content-Type", "text/plain"), CRM_DOWN);
      case "/hostile" -> new Reply(500, 0, false, Map.of("Content-Type", "text/html"), HOSTILE);
      case "/gone" -> Reply.status(410);
      default -> Reply.status(200);
    });
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(TOKEN));
    // One attempt each: a failing answer makes a dead letter at once.
    config.getJsonObject("delivery").put("maxAttempts", 1).put("disableOnGone", true);
    hookline = fixture.startWithConfig(vertx, config);
    api = new ApiClient(vertx, hookline, TOKEN);
    browser.at(hookline.httpPort());
    browser.forgetCookies();
    browser.desktop();
  }

  @AfterEach
  void tearDown() {
    try {
      assertThat(browser.cspViolations()).as("the console's own pages break no rule of their Content-Security-Policy").isEmpty();
    } finally {
      try {
        api.close();
      } finally {
        fixture.close();
      }
    }
  }

  // ---------------------------------------------------------------- the operator's path

  @Test
  void anOperatorSignsInFindsADeadLetterReadsTheReceiversAnswerAndRetriesIt(Vertx vertx) {
    for (int run = 1; run <= 6; run++) {
      create(vertx, 7, run, "/ok");
    }
    String dead = create(vertx, 7, 100, "/crm");
    awaitStatusCount("dead_letter", 1);
    awaitStatusCount("succeeded", 6);

    browser.open("/console/");
    browser.awaitPath("/console/sign-in.html");
    browser.screenshots(SCREENSHOTS, "sign-in");
    signIn();

    browser.awaitText("count-dead_letter", "1");
    browser.awaitText("count-succeeded", "6");
    assertThat(browser.text("queue-depth")).isNotBlank();
    WebElement chart = browser.byTestId("per-minute-chart");
    assertThat(chart.getTagName()).isEqualTo("svg");
    assertThat(chart.findElements(By.cssSelector("rect.ok"))).as("this minute's successes are drawn").isNotEmpty();
    String refreshed = browser.text("last-refreshed");
    // Live: a delivery that succeeds while the page is open shows up without a reload.
    create(vertx, 7, 7, "/ok");
    browser.awaitText("count-succeeded", "7");
    browser.await("last-refreshed moves on", d -> !browser.text("last-refreshed").equals(refreshed));
    browser.screenshots(SCREENSHOTS, "overview");

    browser.byTestId("nav-deliveries").click();
    browser.awaitPath("/console/deliveries.html");
    filterByStatus("expired");
    browser.await("the empty state", d -> browser.byTestId("empty-state").isDisplayed());
    filterByStatus("dead_letter");
    browser.await("one dead letter listed", d -> browser.allByTestId("delivery-row").size() == 1
        && browser.allByTestId("empty-state").isEmpty());
    assertThat(browser.path()).contains("status=dead_letter");
    browser.screenshots(SCREENSHOTS, "deliveries");

    browser.byTestId("delivery-link").click();
    browser.awaitPath("/console/delivery.html?uuid=" + dead);
    browser.awaitText("delivery-status", "dead letter");
    browser.await("the attempt log", d -> browser.allByTestId("attempt").size() == 1);
    WebElement attempt = browser.byTestId("attempt");
    assertThat(attempt.findElement(Browser.testId("attempt-status")).getText()).isEqualTo("503");
    assertThat(attempt.findElement(Browser.testId("attempt-outcome")).getText()).isEqualTo("dead letter");
    assertThat(attempt.findElement(Browser.testId("attempt-response")).getText()).isEqualTo(CRM_DOWN);
    assertThat(attempt.findElement(Browser.testId("attempt-latency")).getText()).endsWith(" ms");
    WebElement started = attempt.findElement(By.tagName("time"));
    assertThat(started.getAttribute("title")).as("UTC on hover").endsWith(" UTC");
    assertThat(started.getText()).as("shown in the browser's zone (%s), not UTC", Browser.TIME_ZONE)
        .doesNotContain(started.getAttribute("title").substring(11, 16));
    browser.await("the request as sent", d -> browser.byTestId("request-headers").getText().contains("X-Source"));
    assertThat(browser.text("payload")).contains("call_done");
    browser.screenshots(SCREENSHOTS, "delivery");

    crmUp.set(true);
    browser.byTestId("action-retry").click();
    browser.await("the retry's attempt lands on the open page", d -> browser.allByTestId("attempt").size() == 2);
    browser.awaitText("delivery-status", "succeeded");
    assertThat(browser.byTestId("attempt").findElement(Browser.testId("attempt-status")).getText())
        .as("the newest attempt first").isEqualTo("200");
    assertThat(statusOf(dead)).isEqualTo("succeeded");
  }

  @Test
  void bulkRetryByFilterSaysHowManyBeforeItActs(Vertx vertx) {
    List<String> org7 = List.of(create(vertx, 7, 1, "/crm"), create(vertx, 7, 2, "/crm"), create(vertx, 7, 3, "/crm"));
    String org8 = create(vertx, 8, 4, "/crm");
    awaitStatusCount("dead_letter", 4);

    signIn();
    browser.open("/console/deliveries.html");
    browser.byTestId("filter-organization").sendKeys("7");
    filterByStatus("dead_letter");
    browser.await("organization 7's three dead letters", d -> browser.allByTestId("delivery-row").size() == 3);

    browser.byTestId("bulk-retry").click();
    browser.await("the confirmation", d -> browser.byTestId("confirm-dialog").isDisplayed());
    assertThat(browser.text("confirm-count")).isEqualTo("3");
    browser.byTestId("confirm-no").click();
    browser.await("nothing changed", d -> browser.text("bulk-result").contains("Nothing was changed"));
    assertThat(org7).allSatisfy(uuid -> assertThat(statusOf(uuid)).isEqualTo("dead_letter"));

    crmUp.set(true);
    browser.byTestId("bulk-retry").click();
    browser.await("the confirmation again", d -> browser.byTestId("confirm-dialog").isDisplayed());
    assertThat(browser.text("confirm-count")).isEqualTo("3");
    browser.byTestId("confirm-yes").click();
    browser.await("the result", d -> browser.text("bulk-result").contains("Retried 3"));
    Await.until("organization 7's dead letters delivered", WAIT,
        () -> org7.stream().allMatch(uuid -> statusOf(uuid).equals("succeeded")));
    assertThat(statusOf(org8)).as("outside the filter").isEqualTo("dead_letter");
  }

  @Test
  void aDisabledEndpointIsEnabledAgainFromTheReceiversPage(Vertx vertx) {
    create(vertx, 7, 1, "/ok");
    create(vertx, 7, 2, "/gone");
    String goneUrl = receiver.url("/gone");
    Await.until("the endpoint disabled after its 410", WAIT,
        () -> api.get("/v1/endpoints/disabled").bodyAsJsonObject().getJsonArray("items").size() == 1);

    signIn();
    browser.byTestId("nav-receivers").click();
    browser.awaitPath("/console/receivers.html");
    browser.await("the disabled endpoint", d -> browser.allByTestId("disabled-row").size() == 1);
    assertThat(browser.text("disabled-url")).isEqualTo(goneUrl);
    browser.await("the receiver's origin", d -> browser.allByTestId("origin-row").size() == 1);
    assertThat(browser.text("origin-name")).isEqualTo(receiver.url(""));
    assertThat(browser.text("origin-success-rate")).isEqualTo("50 %");
    assertThat(browser.text("origin-circuit")).isEqualTo("closed");
    browser.screenshots(SCREENSHOTS, "receivers");

    browser.byTestId("enable-endpoint").click();
    browser.await("the confirmation", d -> browser.byTestId("confirm-dialog").isDisplayed());
    browser.byTestId("confirm-yes").click();
    browser.await("the endpoint gone from the list", d -> browser.allByTestId("disabled-row").isEmpty());
    assertThat(api.get("/v1/endpoints/disabled").bodyAsJsonObject().getJsonArray("items")).isEmpty();
  }

  // ---------------------------------------------------------------- sessions

  @Test
  void signingOutEndsTheSession() {
    signIn();
    String session = browser.cookie(SESSION_COOKIE).map(Cookie::getValue).orElseThrow();
    Cookie cookie = browser.cookie(SESSION_COOKIE).orElseThrow();
    assertThat(cookie.isHttpOnly()).isTrue();
    assertThat(cookie.getSameSite()).isEqualTo("Strict");

    browser.open("/console/delivery.html?uuid=00000000-0000-4000-8000-000000000000");
    browser.await("the unknown delivery's error state", d -> browser.byTestId("error-state").isDisplayed());

    browser.byTestId("sign-out").click();
    browser.awaitPath("/console/sign-in.html?signed-out");
    assertThat(browser.cookie(SESSION_COOKIE)).isEmpty();
    assertThat(withCookie(HttpMethod.GET, "/console/session", session).statusCode())
        .as("the session is gone on the server too").isEqualTo(401);

    browser.open("/console/deliveries.html");
    browser.awaitPath("/console/sign-in.html");
  }

  @Test
  void aWrongTokenIsRefusedWithAMessage() {
    browser.open("/console/sign-in.html");
    browser.byId("token").sendKeys("not-the-token", Keys.ENTER);
    browser.await("the refusal", d -> !browser.byId("sign-in-error").getText().isBlank());
    assertThat(browser.byId("sign-in-error").getText()).contains("not valid");
    assertThat(browser.path()).isEqualTo("/console/sign-in.html");
    assertThat(browser.cookie(SESSION_COOKIE)).isEmpty();
    assertThat(browser.script("return sessionStorage.length + localStorage.length")).isEqualTo(0L);
  }

  @Test
  void aCrossSitePostIsRefused(Vertx vertx) {
    String dead = create(vertx, 7, 1, "/crm");
    awaitStatusCount("dead_letter", 1);
    signIn();
    String session = browser.cookie(SESSION_COOKIE).map(Cookie::getValue).orElseThrow();
    @SuppressWarnings("unchecked")
    Map<String, Object> signedIn = (Map<String, Object>) browser.asyncScript(
        "const done = arguments[arguments.length - 1];"
            + "fetch('/console/session').then(r => r.json()).then(done, e => done(String(e)));");
    String csrf = (String) signedIn.get("csrfToken");
    assertThat(csrf).isNotBlank();
    assertThat(browser.script("return sessionStorage.length + localStorage.length"))
        .as("neither the token nor the session in browser storage").isEqualTo(0L);

    // A page on another origin (same site: the cookie goes along) posts a form to the API.
    HttpServer attacker = vertx.createHttpServer().requestHandler(request -> request.response()
        .putHeader("Content-Type", "text/html")
        .end("<!doctype html><form id=f method=post action=\"" + browser.base() + "/v1/deliveries/" + dead + "/retry\">"
            + "<input name=x value=1></form><script>document.getElementById('f').submit()</script>"))
        .listen(0, "127.0.0.1").await();
    try {
      browser.open("http://127.0.0.1:" + attacker.actualPort() + "/");
      browser.await("the API's refusal", d -> d.getPageSource().contains("cross-site request refused"));
    } finally {
      attacker.close().await();
    }
    HttpResponse<Buffer> noHeader = withCookie(HttpMethod.POST, "/v1/deliveries/" + dead + "/retry", session);
    ApiClient.assertError(noHeader, 403, null);
    HttpResponse<Buffer> foreignOrigin = api.anonymous(HttpMethod.POST, "/v1/deliveries/" + dead + "/retry")
        .putHeader("Cookie", SESSION_COOKIE + "=" + session).putHeader("X-CSRF-Token", csrf)
        .putHeader("Origin", "http://evil.example").send().await();
    ApiClient.assertError(foreignOrigin, 403, null);
    assertThat(statusOf(dead)).as("nothing was retried").isEqualTo("dead_letter");

    HttpResponse<Buffer> sameSite = api.anonymous(HttpMethod.POST, "/v1/deliveries/" + dead + "/retry")
        .putHeader("Cookie", SESSION_COOKIE + "=" + session).putHeader("X-CSRF-Token", csrf)
        .putHeader("Origin", browser.base()).send().await();
    assertThat(sameSite.statusCode()).as("the console's own request: %s", sameSite.bodyAsString()).isEqualTo(200);
  }

  @Test
  void aHostileResponseBodyAndPayloadShowAsTextAndRunNothing(Vertx vertx) {
    JsonObject message = Messages.create(7, 1, "node-1", receiver.url("/hostile"));
    message.getJsonObject("webhook").put("payloadTemplate", new JsonObject().put("note", "<img src=x onerror=window.pwned=3>"));
    String uuid = Messages.send(vertx, message).getString("deliveryUuid");
    awaitStatusCount("dead_letter", 1);

    signIn();
    browser.open("/console/delivery.html?uuid=" + uuid);
    browser.await("the attempt", d -> browser.allByTestId("attempt").size() == 1);
    assertThat(browser.text("attempt-response")).isEqualTo(HOSTILE);
    assertThat(browser.text("payload")).contains("<img src=x onerror=window.pwned=3>");
    assertThat(browser.script("return window.pwned === undefined")).as("no script ran").isEqualTo(true);
    assertThat(browser.script("return document.querySelectorAll('main img, main script').length")).isEqualTo(0L);
    assertThat(browser.driver().getTitle()).doesNotContain("pwned");
  }

  @Test
  void withNoApiTokensTheConsoleOpensWithoutSignIn(Vertx vertx) {
    Hookline open = fixture.startWithConfig(vertx, infra.config());
    browser.at(open.httpPort());
    browser.open("/console/sign-in.html");
    browser.awaitPath("/console/");
    browser.awaitText("count-dead_letter", "0");
    browser.await("no sign-out: there is nothing to sign out of", d -> browser.allByTestId("sign-out").isEmpty());
    assertThat(browser.cookie(SESSION_COOKIE)).isEmpty();
  }

  // ---------------------------------------------------------------- helpers

  private void signIn() {
    browser.open("/console/sign-in.html");
    browser.byId("token").sendKeys(TOKEN);
    browser.byId("sign-in").click();
    browser.awaitPath("/console/");
    assertThat(browser.cookie(SESSION_COOKIE)).isPresent();
  }

  private void filterByStatus(String status) {
    new Select(browser.byTestId("filter-status")).selectByValue(status);
    browser.byTestId("apply-filters").click();
  }

  private String create(Vertx vertx, long organization, long run, String path) {
    return Messages.send(vertx, Messages.create(organization, run, "node-1", receiver.url(path))).getString("deliveryUuid");
  }

  private String statusOf(String uuid) {
    return (String) infra.sql("SELECT status FROM webhook_deliveries WHERE delivery_uuid = ?::uuid", uuid).get(0).get(0);
  }

  private void awaitStatusCount(String status, long count) {
    Await.until(count + " " + status, WAIT, () -> ((Number) infra.sql(
        "SELECT count(*) FROM webhook_deliveries WHERE status = ?", status).get(0).get(0)).longValue() == count);
  }

  private HttpResponse<Buffer> withCookie(HttpMethod method, String path, String session) {
    return api.anonymous(method, path).putHeader("Cookie", SESSION_COOKIE + "=" + session).send().await();
  }
}
