package dev.hookline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.cli.VertxFactory;
import dev.hookline.config.HooklineConfig;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.TestInfra;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** After known traffic, {@code /metrics} shows the Hookline series with exactly the right values. */
class MetricsTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String TOKEN = "metrics-token-0123456789";
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");

  private TestInfra infra;
  private Vertx vertx;
  private Receiver receiver;
  private Hookline hookline;
  private WebClient client;

  @BeforeEach
  void setUp() {
    infra = DATABASE.infra();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(TOKEN));
    vertx = VertxFactory.create(HooklineConfig.from(withDefaults(config)).cluster(), registry).await();
    receiver = Receiver.start(vertx);
    hookline = Hookline.start(vertx, config, registry).await();
    client = WebClient.create(vertx);
  }

  private static JsonObject withDefaults(JsonObject config) {
    return dev.hookline.config.ConfigLoader.defaults().mergeIn(config, true);
  }

  @AfterEach
  void tearDown() {
    try {
      client.close();
      hookline.stop().await();
      receiver.close();
    } finally {
      vertx.close().await();
    }
  }

  private static double queueDepth(String scrape) {
    double depth = 0;
    for (int shard = 0; shard < 3; shard++) {
      depth += value(scrape, "hookline_queue_depth", Map.of("shard", Integer.toString(shard)));
    }
    return depth;
  }

  @Test
  void theNamedSeriesCountKnownTraffic() {
    // One overdue row the schedule never heard of: the sweeper must re-inject it.
    infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id, webhook_node_id,"
        + " endpoint_url, http_method, payload, max_attempts) VALUES (gen_random_uuid(), 7, 1, 'n', ?, 'POST', '{}', 5)",
        receiver.url("/swept"));
    Await.until("the swept row to be delivered", Duration.ofSeconds(10), () -> infra.count("status = 'succeeded'") == 1);

    receiver.behave(r -> switch (r.path()) {
      case "/flaky" -> "1".equals(r.header("X-Dograh-Delivery-Attempt")) ? Reply.status(503) : Reply.status(200);
      case "/gone" -> Reply.status(404);
      default -> Reply.status(200);
    });
    Messages.send(vertx, Messages.create(7, 9, "ok", receiver.url("/ok")));
    Messages.send(vertx, Messages.create(7, 9, "flaky", receiver.url("/flaky")));
    Messages.send(vertx, Messages.create(7, 9, "gone", receiver.url("/gone")));
    Messages.send(vertx, Messages.create(7, 9, "ok", receiver.url("/ok")));
    JsonObject disabled = Messages.create(7, 9, "off", receiver.url("/ok"));
    disabled.getJsonObject("webhook").put("enabled", false);
    Messages.send(vertx, disabled);
    Await.until("all final", Duration.ofSeconds(10), () -> infra.count("status = 'pending'") == 0);

    // A pending row due in an hour, created 100 s ago: queued, and the oldest pending one.
    long waiting = ((Number) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, max_attempts, scheduled_for, created_at)"
        + " VALUES (gen_random_uuid(), 7, 2, 'n', 'https://r.example.com/', 'POST', '{}', 5, now() + interval '1 hour',"
        + " now() - interval '100 seconds') RETURNING id").get(0).get(0)).longValue();
    hookline.queue().enqueue(waiting, System.currentTimeMillis() + 3_600_000).await();

    // Both gauges come from one refresh pass after the insert and the enqueue; a pass that ran
    // between the two would show the row as oldest pending but not yet queued. An id a sweep re-added
    // between its pop and its claim can sit due on the schedule until the next pop drops it, so the
    // depth is awaited down to the one waiting row rather than read once.
    Await.until("the gauges to show the waiting row alone on the schedule", Duration.ofSeconds(5),
        () -> value(scrape(), "hookline_oldest_pending_age_seconds", Map.of()) >= 100 && queueDepth(scrape()) == 1);
    String scrape = scrape();

    assertThat(value(scrape, "hookline_deliveries_created_total", Map.of("status", "created"))).isEqualTo(3);
    assertThat(value(scrape, "hookline_deliveries_created_total", Map.of("status", "existing"))).isEqualTo(1);
    assertThat(value(scrape, "hookline_deliveries_created_total", Map.of("status", "skipped"))).isEqualTo(1);
    assertThat(value(scrape, "hookline_delivery_attempts_total", Map.of("outcome", "succeeded"))).isEqualTo(3);
    assertThat(value(scrape, "hookline_delivery_attempts_total", Map.of("outcome", "retry"))).isEqualTo(1);
    assertThat(value(scrape, "hookline_delivery_attempts_total", Map.of("outcome", "dead_letter"))).isEqualTo(1);
    assertThat(value(scrape, "hookline_delivery_attempt_duration_seconds_count", Map.of())).isEqualTo(5);
    assertThat(scrape).contains("hookline_delivery_attempt_duration_seconds_bucket{le=");
    // At least the row Redis never heard of. A sweep can also catch a due id in the moment between
    // its pop and its claim and re-add it (harmless: the claim dedupes), so the count is not exact.
    assertThat(value(scrape, "hookline_sweep_reinjected_total", Map.of())).isBetween(1d, 4d);
    assertThat(queueDepth(scrape)).isEqualTo(1);
    assertThat(value(scrape, "hookline_oldest_pending_age_seconds", Map.of())).isBetween(100d, 130d);
    assertThat(scrape).contains("jvm_memory_used_bytes").contains("vertx_pool_").contains("vertx_http_client_");
  }

  private String scrape() {
    var response = client.get(hookline.httpPort(), "127.0.0.1", "/metrics")
        .putHeader("Authorization", "Bearer " + TOKEN).send().await();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).startsWith("text/plain");
    return response.bodyAsString();
  }

  /** The sample with exactly these labels (other labels allowed), or -1 when absent. */
  static double value(String scrape, String name, Map<String, String> labels) {
    for (String line : scrape.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches() || !m.group(1).equals(name)) {
        continue;
      }
      Map<String, String> found = new HashMap<>();
      if (m.group(2) != null) {
        for (String pair : m.group(2).split(",")) {
          if (pair.contains("=")) {
            String[] kv = pair.split("=", 2);
            found.put(kv[0].trim(), kv[1].trim().replace("\"", ""));
          }
        }
      }
      if (found.entrySet().containsAll(labels.entrySet())) {
        return Double.parseDouble(m.group(3));
      }
    }
    return -1;
  }

}
