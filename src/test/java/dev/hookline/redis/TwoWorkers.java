package dev.hookline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.intake.IntegrationVerticle;
import dev.hookline.testing.Await;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Two Hookline instances, each on a Vert.x of its own, sharing one Postgres database and one Redis
 * deployment (the {@code redis} section given), delivering to one real receiver. Creates go to the
 * first instance's event bus; both pop and deliver.
 */
final class TwoWorkers implements AutoCloseable {
  private static final Duration ALL_FINAL = Duration.ofSeconds(120);
  private static final int CREATES_AT_ONCE = 200;
  /** Creates refused in a failover are a handful; thousands mean something else is wrong. */
  private static final int MAX_REFUSED = 2_000;

  final List<Vertx> vertxes = new ArrayList<>();
  final List<Hookline> instances = new ArrayList<>();
  final Receiver receiver;
  private final TestInfra infra;
  private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();

  TwoWorkers(TestInfra infra, JsonObject redis) {
    this.infra = infra;
    try {
      for (int i = 0; i < 2; i++) {
        Vertx vertx = Vertx.vertx();
        vertxes.add(vertx);
        JsonObject config = infra.config();
        config.getJsonObject("redis").mergeIn(redis);
        // Timeouts generous enough that a busy two-core machine never turns a slow answer into a
        // second send: any duplicate seen here is then one the Redis failover caused.
        config.getJsonObject("delivery").put("timeoutSeconds", 10).put("leaseSeconds", 20).put("maxInFlight", 32);
        config.getJsonObject("sweep").put("intervalSeconds", 0.5).put("pageSize", 500);
        instances.add(Hookline.start(vertx, config).await());
      }
      receiver = Receiver.start(vertxes.get(0));
      receiver.behave(request -> {
        received.computeIfAbsent(request.header("X-Dograh-Delivery-Id"), id -> new AtomicInteger()).incrementAndGet();
        return Receiver.Reply.status(204);
      });
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  /**
   * Creates one delivery for each of the runs 1 to {@code count}, a few hundred at a time, each
   * retried until it is acknowledged (a sender's duty; creates are idempotent); answers how many
   * creates were refused on the way.
   */
  int create(int count) {
    int refused = 0;
    long to = count + 1L;
    for (long start = 1; start < to; start += CREATES_AT_ONCE) {
      List<Long> runs = new ArrayList<>();
      for (long run = start; run < Math.min(to, start + CREATES_AT_ONCE); run++) {
        runs.add(run);
      }
      while (!runs.isEmpty()) {
        List<Future<Object>> replies = runs.stream().map(run -> vertxes.get(0).eventBus()
            .request(IntegrationVerticle.CREATE_ADDRESS, Messages.create(1, run, "node-1", receiver.url("/hooks")))
            .map(message -> message.body())).toList();
        Future.join(replies).otherwiseEmpty().await();
        List<Long> failed = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
          if (replies.get(i).failed()) {
            failed.add(runs.get(i));
            if (++refused > MAX_REFUSED) {
              throw new AssertionError("creates keep failing: " + replies.get(i).cause(), replies.get(i).cause());
            }
          }
        }
        runs = failed;
      }
    }
    return refused;
  }

  int deliveriesReceived() {
    return received.size();
  }

  /** Waits until no delivery is pending, then checks that every one succeeded and reached the receiver. */
  Outcome awaitAllDelivered(int expected) {
    Await.until("every delivery to be final", ALL_FINAL, () -> infra.count("status = 'pending'") == 0,
        () -> infra.count("status = 'pending'") + " still pending, " + received.size() + " received");
    assertThat(infra.count("true")).isEqualTo(expected);
    assertThat(infra.count("status = 'succeeded'")).as("deliveries that succeeded").isEqualTo(expected);
    Set<String> uuids = infra.sql("SELECT delivery_uuid::text FROM webhook_deliveries").stream()
        .map(row -> (String) row.get(0)).collect(Collectors.toCollection(HashSet::new));
    assertThat(received.keySet()).as("delivery ids the receiver saw").isEqualTo(uuids);
    Map<String, Integer> twice = received.entrySet().stream().filter(e -> e.getValue().get() > 1)
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
    return new Outcome(expected, twice.size());
  }

  /** The readiness answer of instance {@code index} (the API is open on loopback: the full report). */
  JsonObject readiness(int index) {
    WebClient client = WebClient.create(vertxes.get(index));
    try {
      return client.request(HttpMethod.GET, instances.get(index).httpPort(), "127.0.0.1", "/health/ready").send()
          .await().bodyAsJsonObject();
    } finally {
      client.close();
    }
  }

  /** The Prometheus text of instance {@code index}. */
  String metrics(int index) {
    return instances.get(index).metrics().scrape();
  }

  @Override
  public void close() {
    for (Hookline hookline : instances) {
      hookline.stop().otherwiseEmpty().await();
    }
    for (Vertx vertx : vertxes) {
      vertx.close().otherwiseEmpty().await();
    }
  }

  /** {@code duplicated}: delivery ids the receiver got more than once. */
  record Outcome(int delivered, int duplicated) {
  }
}
