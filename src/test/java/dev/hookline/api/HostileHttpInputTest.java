package dev.hookline.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostile bodies on POST /v1/deliveries over real HTTP: each gets the right status and field, and stores nothing. */
@ExtendWith(VertxExtension.class)
class HostileHttpInputTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String TOKEN = "test-token-0123456789abcdef";
  private static final int MAX_REQUEST_BYTES = 4_096;

  private Fixture fixture;
  private TestInfra infra;
  private Hookline hookline;
  private WebClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(TOKEN)).put("maxRequestBytes", MAX_REQUEST_BYTES);
    config.getJsonObject("delivery").put("maxPayloadBytes", 1_024);
    hookline = fixture.startWithConfig(vertx, config);
    client = WebClient.create(vertx);
  }

  @AfterEach
  void tearDown() {
    client.close();
    fixture.close();
  }

  private HttpRequest<Buffer> create() {
    return client.request(HttpMethod.POST, hookline.httpPort(), "127.0.0.1", "/v1/deliveries")
        .putHeader("Authorization", "Bearer " + TOKEN);
  }

  private HttpResponse<Buffer> postRaw(String contentType, Buffer body) {
    HttpRequest<Buffer> request = create();
    if (contentType != null) {
      request.putHeader("Content-Type", contentType);
    }
    return request.sendBuffer(body).await();
  }

  private HttpResponse<Buffer> postJson(JsonObject body) {
    return create().sendJsonObject(body).await();
  }

  private JsonObject message() {
    return Messages.create(7, 9, "node-1", fixture.receiver.url("/hook"));
  }

  private JsonObject assertError(HttpResponse<Buffer> response, int status, String field) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).startsWith("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isNotBlank();
    assertThat(body.getString("field")).isEqualTo(field);
    assertThat(infra.count("true")).as("rows stored").isZero();
    return body;
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"{\"organizationId\": ", "{", "not json", "{\"a\":1,}", "{\"a\":1}}"})
  void malformedJsonIs400OnTheBody(String text) {
    assertError(postRaw("application/json", Buffer.buffer(text)), 400, "body");
  }

  @Test
  void invalidUtf8BytesAre400SayingUtf8() {
    // "\xC3(" : a two-byte lead followed by a byte that cannot continue it.
    Buffer body = Buffer.buffer(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});

    JsonObject error = assertError(postRaw("application/json", body), 400, "body");

    assertThat(error.getString("error")).contains("UTF-8");
  }

  @Test
  void anEncodedSurrogateOrAnOverlongSequenceIsInvalidUtf8Too() {
    String valid = message().encode();
    for (byte[] bad : new byte[][] {{(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xC0, (byte) 0xAF},
        {(byte) 0xFF}}) {
      // The bad bytes sit inside the webhook name, so the rest of the message is well-formed.
      String[] halves = valid.split("Final Webhook", 2);
      Buffer body = Buffer.buffer(halves[0].getBytes(StandardCharsets.UTF_8)).appendBytes(bad)
          .appendBytes(halves[1].getBytes(StandardCharsets.UTF_8));

      JsonObject error = assertError(postRaw("application/json", body), 400, "body");

      assertThat(error.getString("error")).contains("UTF-8");
    }
  }

  @Test
  void aJsonEscapedUnpairedSurrogateIsRefusedNamingWhereItIs() {
    String text = message().put("webhook", message().getJsonObject("webhook")
        .put("payloadTemplate", new JsonObject().put("event", "PLACEHOLDER"))).encode()
        .replace("PLACEHOLDER", "bad \\ud800 text");

    JsonObject error = assertError(postRaw("application/json", Buffer.buffer(text)), 400,
        "webhook.payloadTemplate.event");

    assertThat(error.getString("error")).contains("UTF-8");
  }

  @Test
  void wrongTypesAre400NamingTheField() {
    assertError(postJson(message().put("organizationId", "7")), 400, "organizationId");
    assertError(postJson(message().put("workflowRunId", true)), 400, "workflowRunId");
    assertError(postJson(message().put("webhook", "https://x.example.com")), 400, "webhook");
    JsonObject headers = message();
    headers.getJsonObject("webhook").put("customHeaders", "x");
    assertError(postJson(headers), 400, "webhook.customHeaders");
    JsonObject url = message();
    url.getJsonObject("webhook").put("endpointUrl", 12);
    assertError(postJson(url), 400, "webhook.endpointUrl");
  }

  @Test
  void aRefusedDestinationIs400OnTheUrl() {
    assertError(postJson(Messages.create(7, 9, "node-1", "http://169.254.169.254/latest/meta-data")), 400,
        "webhook.endpointUrl");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "application/xml", "text/json"})
  void aNonJsonContentTypeIs415(String contentType) {
    assertError(postRaw(contentType, Buffer.buffer(message().encode())), 415, "Content-Type");
  }

  @Test
  void aMissingContentTypeIs415() {
    assertError(postRaw(null, Buffer.buffer(message().encode())), 415, "Content-Type");
  }

  @Test
  void aBodyOverMaxRequestBytesIs413() {
    JsonObject huge = message().put("renderContext", new JsonObject().put("junk", "y".repeat(MAX_REQUEST_BYTES * 3)));

    assertError(postRaw("application/json", huge.toBuffer()), 413, "body");
  }

  @Test
  void aBodyOverTheLimitIsRefusedEvenWhenItIsNotJson() {
    assertError(postRaw("application/json", Buffer.buffer("x".repeat(MAX_REQUEST_BYTES + 1))), 413, "body");
  }

  @Test
  void aWellFormedCreateStillWorksAfterHostileOnes() {
    postRaw("application/json", Buffer.buffer("{"));
    postRaw("text/plain", Buffer.buffer("hello"));

    HttpResponse<Buffer> created = postJson(message());

    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    assertThat(infra.count("true")).isEqualTo(1);
  }
}
