package dev.hookline.e2e;

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
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Many deliveries through the event bus to a receiver that fails often: every one arrives. */
@ExtendWith(VertxExtension.class)
class EndToEndTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final int DELIVERIES = 200;

  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  @Test
  void twoHundredDeliveriesThroughAFlakyReceiverAllSucceedWithAttemptsInOrder(Vertx vertx) {
    fixture.start(vertx, new JsonObject());
    receiver.behave(flaky(new Random(42)));

    List<Future<Message<Object>>> replies = new ArrayList<>();
    for (int i = 0; i < DELIVERIES; i++) {
      replies.add(vertx.eventBus().request("hookline.delivery.create",
          Messages.create(7, 1_000 + i, "node-1", receiver.url("/flaky"))));
    }
    Future.all(replies).await();

    Await.until("every delivery to succeed", Duration.ofSeconds(60),
        () -> infra.count("status = 'succeeded'") == DELIVERIES,
        () -> infra.sql("SELECT status, count(*) FROM webhook_deliveries GROUP BY status").toString());

    Map<String, List<Integer>> attemptsById = receiver.requests().stream().collect(Collectors.groupingBy(
        r -> r.header("X-Dograh-Delivery-Id"),
        Collectors.mapping(r -> Integer.parseInt(r.header("X-Dograh-Delivery-Attempt")), Collectors.toList())));
    assertThat(attemptsById).hasSize(DELIVERIES);
    attemptsById.forEach((id, attempts) ->
        assertThat(attempts).as("attempts of %s", id).isEqualTo(IntStream.rangeClosed(1, attempts.size()).boxed().toList()));
    List<Object> stored = infra.sql("SELECT sum(attempt_count) FROM webhook_deliveries").get(0);
    assertThat(((Number) stored.get(0)).longValue()).isEqualTo(receiver.requests().size());
    long failures = receiver.requests().size() - DELIVERIES;
    assertThat(failures).as("the receiver really failed a good share of requests").isGreaterThan(DELIVERIES / 5);
  }

  /**
   * About 30% of requests fail with a 503 or a dropped connection, but never more than three in a
   * row for one delivery, so all of them can succeed within the five-attempt budget.
   */
  static java.util.function.Function<Receiver.Received, Reply> flaky(Random random) {
    Map<String, Integer> failuresInARow = new ConcurrentHashMap<>();
    return request -> {
      String id = request.header("X-Dograh-Delivery-Id");
      int streak = failuresInARow.getOrDefault(id, 0);
      synchronized (random) {
        if (streak < 3 && random.nextDouble() < 0.3) {
          failuresInARow.put(id, streak + 1);
          return random.nextBoolean() ? Reply.status(503) : Reply.drop();
        }
      }
      failuresInARow.put(id, 0);
      return Reply.status(200);
    };
  }
}
