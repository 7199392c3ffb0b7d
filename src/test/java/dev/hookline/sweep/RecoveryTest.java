package dev.hookline.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Losing the Redis schedule, and sharing the work between processes, loses and duplicates nothing. */
@ExtendWith(VertxExtension.class)
class RecoveryTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
  }

  private Vertx other;

  @AfterEach
  void tearDown() {
    fixture.close();
    if (other != null) {
      other.close().await();
    }
  }

  @Test
  void aRedisFlushMidRunIsHealedByTheSweeper(Vertx vertx) {
    // Slow enough that most deliveries are still queued when the schedule is wiped.
    fixture.start(vertx, new JsonObject().put("instances", 1).put("maxInFlight", 4));
    receiver.behave(r -> Reply.delayed(200, 20));
    int deliveries = 150;

    createAll(vertx, deliveries, 5_000, "/slow");
    Await.until("some deliveries to arrive", Duration.ofSeconds(10), () -> receiver.requests().size() >= 10);
    infra.flushRedis(vertx);
    long pendingAtFlush = infra.count("status = 'pending'");

    Await.until("every delivery to succeed", Duration.ofSeconds(60),
        () -> infra.count("status = 'succeeded'") == deliveries,
        () -> infra.sql("SELECT status, count(*) FROM webhook_deliveries GROUP BY status").toString());
    assertThat(pendingAtFlush).as("deliveries whose queue entry was wiped").isGreaterThan(50);
    assertThat(receiver.requests().stream().map(r -> r.header("X-Dograh-Delivery-Id")).distinct().count())
        .isEqualTo(deliveries);
  }

  @Test
  void twoInstancesSharingPostgresAndRedisNeverSendTheSameAttemptTwice(Vertx vertx) {
    other = Vertx.vertx();
    JsonObject config = infra.config();
    config.getJsonObject("delivery").put("maxInFlight", 8);
    // Sweeps often, so ids are re-added while they are queued and in flight: duplicates are on offer.
    config.getJsonObject("sweep").put("intervalSeconds", 0.05);
    fixture.startWithConfig(vertx, config);
    fixture.startWithConfig(other, config);
    // A quarter of the deliveries fail their first attempt, so retries are in the mix too. (Failing
    // every 4th call instead could hit one delivery on every attempt when four retry in lockstep.)
    receiver.behave(r -> "1".equals(r.header("X-Dograh-Delivery-Attempt"))
        && Math.floorMod(r.header("X-Dograh-Delivery-Id").hashCode(), 4) == 0 ? Reply.status(503) : Reply.delayed(200, 2));
    int deliveries = 300;

    createAll(vertx, deliveries / 2, 10_000, "/shared");
    createAll(other, deliveries / 2, 20_000, "/shared");

    Await.until("every delivery to succeed", Duration.ofSeconds(60),
        () -> infra.count("status = 'succeeded'") == deliveries,
        () -> infra.sql("SELECT status, count(*) FROM webhook_deliveries GROUP BY status").toString());
    Map<String, Long> sendsPerAttempt = receiver.requests().stream().collect(Collectors.groupingBy(
        r -> r.header("X-Dograh-Delivery-Id") + "#" + r.header("X-Dograh-Delivery-Attempt"), Collectors.counting()));
    assertThat(sendsPerAttempt.values()).as("sends per (delivery, attempt)").containsOnly(1L);
    assertThat(sendsPerAttempt).hasSizeGreaterThan(deliveries);
    assertThat(receiver.requests().stream().map(r -> r.header("X-Dograh-Delivery-Id")).distinct().count())
        .isEqualTo(deliveries);
  }

  private void createAll(Vertx vertx, int count, long firstRunId, String path) {
    List<Future<Message<Object>>> replies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      replies.add(vertx.eventBus().request("hookline.delivery.create",
          Messages.create(7, firstRunId + i, "node-1", receiver.url(path))));
    }
    Future.all(replies).await();
  }
}
