package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.events.EventPublisher;
import dev.hookline.sweep.SweepVerticle;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.LogCapture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the claim and the outcome write do at two edges: a due row whose window has ended is expired
 * by the claim that finds it (not put back on the schedule until a sweep), and a retry recorded in
 * Postgres whose ZADD fails is told once, as what it is.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ClaimEdgesTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final List<JsonObject> onTheBus = new CopyOnWriteArrayList<>();
  private Fixture fixture;
  private TestInfra infra;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    vertx.eventBus().<JsonObject>consumer(EventPublisher.OUTCOME_ADDRESS, message -> onTheBus.add(message.body()));
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  private String status(long id) {
    return (String) infra.sql("SELECT status FROM webhook_deliveries WHERE id = ?", id).get(0).get(0);
  }

  @Test
  void aDueRowPastItsWindowIsExpiredByTheClaimThatFindsIt(Vertx vertx) {
    // A sweep only every minute, its first pass (at start-up) over before the row exists: within
    // this test only the claim can expire the row.
    JsonObject config = infra.config();
    config.getJsonObject("sweep").put("intervalSeconds", 60);
    Hookline hookline;
    try (LogCapture sweeps = LogCapture.ofDebug(SweepVerticle.class)) {
      hookline = fixture.startWithConfig(vertx, config);
      Await.until("the start-up sweep done", WAIT, () -> sweeps.messages().stream().anyMatch(m -> m.startsWith("sweep found")));
    }
    long id = (Long) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, max_attempts, expires_at) VALUES (gen_random_uuid(),"
        + " 7, 9, 'node-1', ?, 'POST', '{}', 5, now() - interval '1 second') RETURNING id",
        fixture.receiver.url("/late")).get(0).get(0);

    hookline.queue().enqueue(id, System.currentTimeMillis()).await();

    Await.until("the row expired", WAIT, () -> "expired".equals(status(id)));
    Await.until("its delivery.expired event", WAIT, () -> onTheBus.stream()
        .anyMatch(e -> e.getString("type").equals("delivery.expired") && e.getLong("deliveryId") == id));
    assertThat(hookline.queue().scoreOf(id).await()).as("not back on the schedule").isNull();
    assertThat(fixture.receiver.requests()).isEmpty();
  }

  @Test
  void aRetryRecordedButNotQueuedIsToldOnceAsSuch(Vertx vertx) {
    Promise<Void> answer = Promise.promise();
    fixture.receiver.behave(r -> Reply.heldUntil(answer.future(), 503));
    JsonObject config = infra.config();
    config.getJsonObject("delivery").put("timeoutSeconds", 10).put("leaseSeconds", 20).put("baseDelaySeconds", 30)
        .put("maxDelaySeconds", 30);
    fixture.startWithConfig(vertx, config);
    Redis redis = Redis.createClient(vertx, TestInfra.REDIS_URL);
    try (LogCapture runner = LogCapture.of(AttemptRunner.class)) {
      long id = Messages.send(vertx, Messages.create(7, 9, "node-1", fixture.receiver.url("/flaky")))
          .getLong("deliveryId");
      Await.until("the attempt on the wire", WAIT, () -> fixture.receiver.requests().size() == 1);
      // Every shard key of the schedule becomes a string: the retry's ZADD fails with WRONGTYPE.
      for (int shard = 0; shard < 3; shard++) {
        redis.send(Request.cmd(Command.SET).arg(infra.keyPrefix + ":due:" + shard).arg("not a sorted set")).await();
      }
      answer.complete();

      String said = "delivery=" + id + " attempt=1 ";
      Await.until("the retry recorded", WAIT, () -> runner.messages().stream()
          .anyMatch(m -> m.startsWith(said) && m.contains("retry recorded but not queued")), () -> "logged: "
          + runner.messages());
      assertThat(status(id)).isEqualTo("pending");
      assertThat(infra.sql("SELECT outcome FROM webhook_delivery_attempts WHERE delivery_id = ?", id))
          .containsExactly(List.of("retry"));
      assertThat(runner.messages()).as("said once: the outcome was recorded")
          .noneMatch(m -> m.startsWith(said) && m.contains("could not be recorded"));
    } finally {
      for (int shard = 0; shard < 3; shard++) {
        redis.send(Request.cmd(Command.DEL).arg(infra.keyPrefix + ":due:" + shard)).await();
      }
      redis.close();
    }
  }
}
