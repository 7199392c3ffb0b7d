package dev.hookline.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Templates written to hurt: huge and malformed, or small but amplifying. Each is answered
 * promptly with the right status, without a heap spike, while the API keeps answering others.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileTemplateTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final int MAX_PAYLOAD_BYTES = 262_144;

  private Fixture fixture;
  private TestInfra infra;
  private Hookline hookline;
  private WebClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    JsonObject config = infra.config();
    config.getJsonObject("http").put("maxRequestBytes", 4 * 1024 * 1024);
    config.getJsonObject("delivery").put("maxPayloadBytes", MAX_PAYLOAD_BYTES);
    hookline = fixture.startWithConfig(vertx, config);
    client = WebClient.create(vertx);
  }

  @AfterEach
  void tearDown() {
    client.close();
    fixture.close();
  }

  private Future<HttpResponse<Buffer>> post(JsonObject body) {
    return client.post(hookline.httpPort(), "127.0.0.1", "/v1/deliveries").sendJsonObject(body);
  }

  private JsonObject withTemplate(long run, Object template, JsonObject context) {
    JsonObject message = Messages.create(7, run, "node-1", "https://crm.example.com/hooks");
    message.getJsonObject("webhook").put("payloadTemplate", template);
    message.put("renderContext", context);
    return message;
  }

  @Test
  void aSmallRequestThatWouldRenderHundredsOfMegabytesIsRefusedWithoutAHeapSpike() {
    // 200 KB of context referenced 1,000 times: 200 MB if rendered to the end.
    JsonArray template = new JsonArray();
    for (int i = 0; i < 1_000; i++) {
      template.add("{{ blob }}");
    }
    JsonObject message = withTemplate(9, template, new JsonObject().put("blob", "x".repeat(200_000)));
    System.gc();
    List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(pool -> pool.getType() == MemoryType.HEAP).toList();
    long before = heap.stream().mapToLong(pool -> pool.getUsage().getUsed()).sum();
    heap.forEach(MemoryPoolMXBean::resetPeakUsage);

    long started = System.nanoTime();
    HttpResponse<Buffer> response = post(message).await();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    long peak = heap.stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(413);
    assertThat(response.bodyAsJsonObject().getString("field")).isEqualTo("webhook.payloadTemplate");
    assertThat(response.bodyAsJsonObject().getString("error")).contains(MAX_PAYLOAD_BYTES + "-byte limit");
    assertThat(millis).as("answered promptly").isLessThan(2_000);
    // The peak is summed over pools and includes young garbage, so it is loose; the old
    // renderer needed about 400 MB (the rendered strings, then the encoded body).
    assertThat(peak - before).as("heap growth while refusing, in bytes").isLessThan(96L * 1024 * 1024);
    assertThat(infra.count("true")).isZero();
  }

  @Test
  void megabyteHostileTemplatesAreAnsweredPromptlyAndTheApiStaysLive() {
    String[] hostile = {"{".repeat(1024 * 1024), "{{a|".repeat(256 * 1024), "{{ x".repeat(256 * 1024)};
    List<Future<HttpResponse<Buffer>>> creates = new ArrayList<>();
    long started = System.nanoTime();
    for (int i = 0; i < hostile.length; i++) {
      creates.add(post(withTemplate(100 + i, new JsonObject().put("event", hostile[i]), new JsonObject())));
    }
    List<Long> liveMillis = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      long asked = System.nanoTime();
      HttpResponse<Buffer> live = client.get(hookline.httpPort(), "127.0.0.1", "/health/live").send().await();
      assertThat(live.statusCode()).isEqualTo(200);
      liveMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked));
    }
    Future.all(creates).await();
    long allMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    for (Future<HttpResponse<Buffer>> create : creates) {
      // Each renders to itself, a megabyte of text: over the payload limit.
      assertThat(create.result().statusCode()).as(create.result().bodyAsString()).isEqualTo(413);
    }
    assertThat(allMillis).as("three 1 MB hostile templates answered").isLessThan(3_000);
    assertThat(liveMillis).as("/health/live latencies while they were handled").allMatch(ms -> ms < 1_000);
  }
}
