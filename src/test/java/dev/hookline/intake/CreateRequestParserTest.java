package dev.hookline.intake;

import static dev.hookline.testing.CreateEdits.header;
import static dev.hookline.testing.CreateEdits.headers;
import static dev.hookline.testing.CreateEdits.manyHeaders;
import static dev.hookline.testing.CreateEdits.one;
import static dev.hookline.testing.CreateEdits.reserved;
import static dev.hookline.testing.CreateEdits.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hookline.domain.InvalidRequestException;
import dev.hookline.domain.RetryPlan;
import dev.hookline.security.AddressPolicy;
import dev.hookline.testing.CreateEdits;
import dev.hookline.testing.IntakeHarness;
import dev.hookline.testing.Messages;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every create message the parser refuses, refused naming the field: the message of the
 * {@link InvalidRequestException} is what the 400 reply carries. The parser is built as intake
 * builds it, with the default destination policy (nothing opened) and the X-Dograh prefix. That a
 * refusal is a 400 and leaves no row and no queue entry is intake's wiring, proven end to end for
 * each transport (CreateDeliveryTest, HostileInputTest, CreateBatchTest, ApiTest, HostileHttpInputTest).
 */
class CreateRequestParserTest {
  private static final String URL = "https://crm.example.com/hooks/calls";
  private static final CreateRequestParser PARSER =
      new CreateRequestParser(AddressPolicy.withAllowedNetworks(List.of()), "X-Dograh", IntakeHarness.SEED_RETRY);

  /** Refused for what each case breaks, not for something already wrong with the message they start from. */
  @Test
  void theMessageTheCasesStartFromIsValid() {
    CreateRequest request = PARSER.parse(Messages.create(7, 9, "node-1", URL));

    assertThat(request.enabled()).isTrue();
    assertThat(request.endpointUrl()).isEqualTo(URL);
  }

  // ---- malformed messages (from CreateDeliveryTest) ---------------------------------------------------------

  static Stream<Arguments> invalidMessages() {
    return Stream.of(
        invalid("organizationId", m -> m.remove("organizationId")),
        invalid("organizationId", m -> m.put("organizationId", "7")),
        invalid("organizationId", m -> m.put("organizationId", 7.5)),
        invalid("organizationId", m -> m.put("organizationId", -1)),
        invalid("workflowRunId", m -> m.remove("workflowRunId")),
        invalid("workflowRunId", m -> m.put("workflowRunId", true)),
        invalid("webhookNodeId", m -> m.remove("webhookNodeId")),
        invalid("webhookNodeId", m -> m.put("webhookNodeId", 12)),
        invalid("webhookNodeId", m -> m.put("webhookNodeId", " ")),
        invalid("webhookNodeId", m -> m.put("webhookNodeId", "hookline:event:delivery.succeeded:1:1")),
        invalid("webhook", m -> m.remove("webhook")),
        invalid("webhook", m -> m.put("webhook", "https://x.example.com")),
        invalid("webhook.endpointUrl", m -> webhook(m).remove("endpointUrl")),
        invalid("webhook.endpointUrl", m -> webhook(m).put("endpointUrl", "/relative/path")),
        invalid("webhook.endpointUrl", m -> webhook(m).put("endpointUrl", "ftp://files.example.com/x")),
        invalid("webhook.endpointUrl", m -> webhook(m).put("endpointUrl", "javascript:alert(1)")),
        invalid("webhook.endpointUrl", m -> webhook(m).put("endpointUrl", "http://exa mple.com/")),
        invalid("webhook.httpMethod", m -> webhook(m).put("httpMethod", "TRACE")),
        invalid("webhook.httpMethod", m -> webhook(m).put("httpMethod", 1)),
        invalid("webhook.credentialUuid", m -> webhook(m).put("credentialUuid", "not-a-uuid")),
        invalid("webhook.customHeaders", m -> webhook(m).put("customHeaders", "X-A: b")),
        invalid("webhook.customHeaders[0].key", m -> webhook(m).put("customHeaders",
            new JsonArray().add(header("X-Bad\r\nInjected", "v")))),
        invalid("webhook.customHeaders[0].value", m -> webhook(m).put("customHeaders",
            new JsonArray().add(header("X-Ok", "line\nbreak")))),
        invalid("webhook.customHeaders[1].value", m -> webhook(m).put("customHeaders",
            new JsonArray().add(header("X-Ok", "fine")).add(header("X-Nul", "a\0b")))),
        invalid("webhook.customHeaders[0].key", m -> webhook(m).put("customHeaders",
            new JsonArray().add(header("Bad Name", "v")))),
        invalid("webhook.customHeaders[0].value", m -> webhook(m).put("customHeaders",
            new JsonArray().add(header("X-Ok", "bell\u0007and tab\tare different")))),
        invalid("webhook.enabled", m -> webhook(m).put("enabled", "yes")),
        invalid("renderContext", m -> m.put("renderContext", new JsonArray())));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("invalidMessages")
  void anInvalidMessageIsRefusedNamingTheField(String field, Consumer<JsonObject> breakIt) {
    JsonObject message = Messages.create(7, 9, "node-1", URL);
    breakIt.accept(message);

    assertRefused(message, field);
  }

  // ---- hostile messages (from HostileInputTest) -------------------------------------------------------------

  static Stream<Arguments> hostileMessages() {
    return Stream.of(
        invalid("33 headers", "webhook.customHeaders", m -> headers(m, manyHeaders(33))),
        invalid("name over 8 KiB", "webhook.customHeaders[0].key",
            m -> headers(m, new JsonArray().add(header("X-" + "a".repeat(8 * 1024), "v")))),
        invalid("value over 8 KiB", "webhook.customHeaders[0].value",
            m -> headers(m, new JsonArray().add(header("X-Big", "v".repeat(8 * 1024 + 1))))),
        invalid("CR in name", "webhook.customHeaders[0].key", m -> headers(m, one("X-A\rB", "v"))),
        invalid("LF in name", "webhook.customHeaders[0].key", m -> headers(m, one("X-A\nB", "v"))),
        invalid("NUL in name", "webhook.customHeaders[0].key", m -> headers(m, one("X-A\0B", "v"))),
        invalid("CR in value", "webhook.customHeaders[0].value", m -> headers(m, one("X-A", "a\rb"))),
        invalid("LF in value", "webhook.customHeaders[0].value", m -> headers(m, one("X-A", "a\nb"))),
        invalid("NUL in value", "webhook.customHeaders[0].value", m -> headers(m, one("X-A", "a\0b"))),
        invalid("CRLF smuggle in value", "webhook.customHeaders[0].value",
            m -> headers(m, one("X-A", "v\r\nHost: evil.example.com"))),
        reserved("Host"),
        reserved("Content-Length"),
        reserved("Transfer-Encoding"),
        reserved("Connection"),
        reserved("webhook-id"),
        reserved("webhook-timestamp"),
        reserved("webhook-signature"),
        reserved("X-Dograh-Delivery-Id"),
        reserved("x-dograh-delivery-attempt"),
        reserved("X-Dograh-Workflow-Run-Id"),
        invalid("non-Latin-1 in value", "webhook.customHeaders[0].value", m -> headers(m, one("X-A", "caf\u00e9 \u2713"))),
        invalid("NUL in webhookNodeId", "webhookNodeId", m -> m.put("webhookNodeId", "node\0one")),
        invalid("NUL in webhook.name", "webhook.name", m -> webhook(m).put("name", "Final\0Webhook")),
        invalid("NUL in endpointUrl", "webhook.endpointUrl",
            m -> webhook(m).put("endpointUrl", "https://crm.example.com/a\0b")),
        invalid("port 0", "webhook.endpointUrl", m -> webhook(m).put("endpointUrl", "https://crm.example.com:0/x")),
        invalid("port 65536", "webhook.endpointUrl",
            m -> webhook(m).put("endpointUrl", "https://crm.example.com:65536/x")),
        invalid("port 99999999", "webhook.endpointUrl",
            m -> webhook(m).put("endpointUrl", "https://crm.example.com:99999999/x")),
        invalid("empty port", "webhook.endpointUrl", m -> webhook(m).put("endpointUrl", "https://crm.example.com:/x")),
        invalid("empty port after an IPv6 literal", "webhook.endpointUrl",
            m -> webhook(m).put("endpointUrl", "https://[2606:4700::1111]:/x")),
        invalid("organizationId as string", "organizationId", m -> m.put("organizationId", "7")),
        invalid("customHeaders as string", "webhook.customHeaders", m -> webhook(m).put("customHeaders", "x")),
        invalid("unpaired surrogate in a template value", "webhook.payloadTemplate.event",
            m -> webhook(m).put("payloadTemplate", new JsonObject().put("event", "bad \uD800 text"))),
        invalid("unpaired low surrogate in a template array", "webhook.payloadTemplate.items[1]",
            m -> webhook(m).put("payloadTemplate", new JsonObject()
                .put("items", new JsonArray().add("fine").add("x\uDC00")))),
        invalid("unpaired surrogate in a template key", "webhook.payloadTemplate.k\uD800",
            m -> webhook(m).put("payloadTemplate", new JsonObject().put("k\uD800", "v"))));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("hostileMessages")
  void aHostileMessageIsRefusedNamingTheField(String label, String field, Consumer<JsonObject> breakIt) {
    JsonObject message = Messages.create(7, 9, "node-1", URL);
    breakIt.accept(message);

    assertRefused(message, field);
  }

  // ---- create-time destination checks (from HostileInputTest) ----------------------------------------------

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {
      "http://127.0.0.1/",
      "http://[::1]/",
      "http://2130706433/",
      "http://0x7f000001/",
      "http://0177.0.0.1/",
      "http://127.1/",
      "http://127.0.0.1./",
      "http://169.254.169.254/latest/meta-data",
      "http://10.0.0.1/",
      "http://[fd00::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[64:ff9b::7f00:1]/",
      "http://[2002:7f00:1::]/",
      "http://user:pw@example.com/",
      "ftp://example.com/"})
  void aRefusedDestinationIsRefusedAtCreate(String url) {
    assertRefused(Messages.create(7, 9, "node-1", url), "webhook.endpointUrl");
  }

  @Test
  void aUrlOverTwoThousandAndFortyEightBytesIsRefused() {
    String url = "http://example.com/" + "a".repeat(2_100);

    InvalidRequestException refusal = assertRefused(Messages.create(7, 9, "node-1", url), "webhook.endpointUrl");

    assertThat(refusal.getMessage()).contains("2048");
  }

  /**
   * The bound is in bytes: 2,000 three-byte characters are 6,000 bytes, more than Postgres takes in
   * one index entry of the disabled-endpoint key, so a 410 from such a URL could not be recorded.
   */
  @Test
  void aUrlOfFewCharactersButTooManyBytesIsRefused() {
    String path = "\u20ac".repeat(2_000);
    assertThat(path.length()).isEqualTo(2_000);

    InvalidRequestException refusal = assertRefused(Messages.create(7, 9, "node-1", "http://example.com/" + path),
        "webhook.endpointUrl");

    assertThat(refusal.getMessage()).contains("6019 bytes", "2048-byte limit");
    assertThat(PARSER.parse(Messages.create(7, 9, "node-1", "http://example.com/" + "\u20ac".repeat(600)))
        .endpointUrl()).as("1,819 bytes are accepted").endsWith("\u20ac");
  }

  // ---- the retry object ------------------------------------------------------------------------------------

  static Stream<Arguments> invalidRetries() {
    return Stream.of(
        invalid("retry as a string", "retry", m -> m.put("retry", "fast")),
        invalid("retry as an array", "retry", m -> m.put("retry", new JsonArray().add(60))),
        invalid("a misspelt key is not ignored", "retry.maxAttemps", m -> retry(m, "maxAttemps", 8)),
        invalid("an unknown key beside good ones", "retry.jitter", m -> m.put("retry",
            new JsonObject().put("maxAttempts", 8).put("jitter", 0.2))),
        invalid("maxAttempts 0", "retry.maxAttempts", m -> retry(m, "maxAttempts", 0)),
        invalid("maxAttempts 101", "retry.maxAttempts", m -> retry(m, "maxAttempts", 101)),
        invalid("maxAttempts 2.5", "retry.maxAttempts", m -> retry(m, "maxAttempts", 2.5)),
        invalid("maxAttempts as a string", "retry.maxAttempts", m -> retry(m, "maxAttempts", "5")),
        invalid("maxAttempts as a boolean", "retry.maxAttempts", m -> retry(m, "maxAttempts", true)),
        invalid("a negative base delay", "retry.baseDelaySeconds", m -> retry(m, "baseDelaySeconds", -1)),
        invalid("a base delay as a string", "retry.baseDelaySeconds", m -> retry(m, "baseDelaySeconds", "30")),
        invalid("a base delay over 7 days", "retry.baseDelaySeconds", m -> retry(m, "baseDelaySeconds", 604_801)),
        invalid("a max delay over 7 days", "retry.maxDelaySeconds", m -> retry(m, "maxDelaySeconds", 604_800.5)),
        invalid("base over max", "retry.baseDelaySeconds", m -> m.put("retry",
            new JsonObject().put("baseDelaySeconds", 60).put("maxDelaySeconds", 30))),
        invalid("base over the configured max (600 s)", "retry.baseDelaySeconds", m -> retry(m, "baseDelaySeconds", 900)),
        invalid("max under the configured base (30 s)", "retry.maxDelaySeconds", m -> retry(m, "maxDelaySeconds", 10)),
        invalid("a schedule with maxAttempts", "retry.schedule", m -> m.put("retry",
            new JsonObject().put("schedule", new JsonArray().add(60)).put("maxAttempts", 3))),
        invalid("a schedule with a base delay", "retry.schedule", m -> m.put("retry",
            new JsonObject().put("schedule", new JsonArray().add(60)).put("baseDelaySeconds", 5))),
        invalid("a schedule that is not an array", "retry.schedule", m -> retry(m, "schedule", "60, 300")),
        invalid("an empty schedule", "retry.schedule", m -> retry(m, "schedule", new JsonArray())),
        invalid("a schedule of 100 delays", "retry.schedule",
            m -> retry(m, "schedule", new JsonArray(Collections.nCopies(100, 1)))),
        invalid("a negative schedule entry", "retry.schedule[1]", m -> retry(m, "schedule", new JsonArray().add(60).add(-1))),
        invalid("a schedule entry as a string", "retry.schedule[1]",
            m -> retry(m, "schedule", new JsonArray().add(60).add("300"))),
        invalid("a null schedule entry", "retry.schedule[0]", m -> retry(m, "schedule", new JsonArray().addNull())),
        invalid("a schedule entry over 7 days", "retry.schedule[2]",
            m -> retry(m, "schedule", new JsonArray().add(60).add(300).add(604_801))),
        invalid("a window of 0", "retry.deliverWithinSeconds", m -> retry(m, "deliverWithinSeconds", 0)),
        invalid("a negative window", "retry.deliverWithinSeconds", m -> retry(m, "deliverWithinSeconds", -60)),
        invalid("a window as a string", "retry.deliverWithinSeconds", m -> retry(m, "deliverWithinSeconds", "3600")),
        invalid("a window longer than retention (30 days)", "retry.deliverWithinSeconds",
            m -> retry(m, "deliverWithinSeconds", 30 * 86_400 + 1)),
        invalid("a schedule spanning 35 days, over retention", "retry.schedule",
            m -> retry(m, "schedule", new JsonArray(Collections.nCopies(5, 604_800)))),
        invalid("a backoff spanning 99 weeks, over retention", "retry", m -> m.put("retry",
            new JsonObject().put("maxAttempts", 100).put("baseDelaySeconds", 604_800).put("maxDelaySeconds", 604_800))));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("invalidRetries")
  void anInvalidRetryObjectIsRefusedNamingTheField(String label, String field, Consumer<JsonObject> breakIt) {
    JsonObject message = Messages.create(7, 9, "node-1", URL);
    breakIt.accept(message);

    assertRefused(message, field);
  }

  @Test
  void withoutARetryObjectTheDeliveryFollowsTheConfiguration() {
    assertThat(PARSER.parse(Messages.create(7, 9, "node-1", URL)).retry()).isNull();
    assertThat(PARSER.parse(Messages.create(7, 9, "node-1", URL).putNull("retry")).retry()).isNull();
  }

  @Test
  void theBackoffFormIsCompletedFromTheConfigurationAndStoredWhole() {
    RetryPlan plan = parseRetry(new JsonObject().put("maxAttempts", 8));

    assertThat(plan).isEqualTo(new RetryPlan(8, Duration.ofSeconds(30), Duration.ofSeconds(600), null, null));
    assertThat(plan.toJson()).isEqualTo(new JsonObject().put("maxAttempts", 8).put("baseDelaySeconds", 30.0)
        .put("maxDelaySeconds", 600.0));
    assertThat(parseRetry(new JsonObject().put("baseDelaySeconds", 0.05).put("maxDelaySeconds", 0.2)))
        .isEqualTo(new RetryPlan(5, Duration.ofMillis(50), Duration.ofMillis(200), null, null));
    assertThat(parseRetry(new JsonObject())).as("an empty object: today's numbers, frozen")
        .isEqualTo(new RetryPlan(5, Duration.ofSeconds(30), Duration.ofSeconds(600), null, null));
  }

  @Test
  void theScheduleFormFixesEveryDelayAndTheAttempts() {
    RetryPlan plan = parseRetry(new JsonObject().put("schedule", new JsonArray().add(60).add(300).add(0.5).add(3_600)));

    assertThat(plan.maxAttempts()).isEqualTo(5);
    assertThat(plan.schedule()).containsExactly(Duration.ofSeconds(60), Duration.ofSeconds(300), Duration.ofMillis(500),
        Duration.ofHours(1));
    assertThat(plan.baseDelay()).isNull();
    assertThat(plan.deliverWithin()).isNull();
  }

  @Test
  void eitherFormOrNoneCarriesAWindow() {
    assertThat(parseRetry(new JsonObject().put("deliverWithinSeconds", 3_600)))
        .isEqualTo(new RetryPlan(5, Duration.ofSeconds(30), Duration.ofSeconds(600), null, Duration.ofHours(1)));
    assertThat(parseRetry(new JsonObject().put("schedule", new JsonArray().add(60)).put("deliverWithinSeconds", 90))
        .deliverWithin()).isEqualTo(Duration.ofSeconds(90));
    assertThat(parseRetry(new JsonObject().put("maxAttempts", 3).put("deliverWithinSeconds", 0.5)).deliverWithin())
        .isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void theLimitsThemselvesAreAccepted() {
    assertThat(parseRetry(new JsonObject().put("maxAttempts", 100).put("baseDelaySeconds", 0)).maxAttempts())
        .isEqualTo(100);
    assertThat(parseRetry(new JsonObject().put("schedule", new JsonArray(Collections.nCopies(99, 0)))).maxAttempts())
        .isEqualTo(100);
    assertThat(parseRetry(new JsonObject().put("schedule", new JsonArray().add(604_800))
        .put("deliverWithinSeconds", 30 * 86_400)).deliverWithin()).isEqualTo(Duration.ofDays(30));
    assertThat(parseRetry(new JsonObject().put("schedule", new JsonArray(Collections.nCopies(30, 86_400)))).span())
        .as("retries spanning exactly retention.days").isEqualTo(Duration.ofDays(30));
  }

  private static RetryPlan parseRetry(JsonObject retry) {
    return PARSER.parse(Messages.create(7, 9, "node-1", URL).put("retry", retry)).retry();
  }

  private static void retry(JsonObject message, String key, Object value) {
    message.put("retry", new JsonObject().put(key, value));
  }

  private static InvalidRequestException assertRefused(JsonObject message, String field) {
    Throwable thrown = catchThrowable(() -> PARSER.parse(message));

    assertThat(thrown).as("refusal of " + message).isInstanceOf(InvalidRequestException.class);
    InvalidRequestException refusal = (InvalidRequestException) thrown;
    assertThat(refusal.field()).isEqualTo(field);
    assertThat(refusal.getMessage()).startsWith(field + ":");
    return refusal;
  }

  private static Arguments invalid(String field, Consumer<JsonObject> breakIt) {
    return Arguments.of(field, breakIt);
  }

  /** A local overload hides the static import of the same name, so the labelled one is passed on here. */
  private static Arguments invalid(String label, String field, Consumer<JsonObject> breakIt) {
    return CreateEdits.invalid(label, field, breakIt);
  }
}
