package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.security.HostResolver;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What one attempt may take, and what the budget counts, against real Postgres, Redis and receivers. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AttemptBudgetTest {
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

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  @Test
  void theLookUpsAndTheSendShareOneDeadlineSoAnAttemptEndsInsideItsLease(Vertx vertx) {
    // Each step alone fits the 1 s timeout; together they do not.
    HostResolver slowDns = host -> {
      Promise<List<InetAddress>> answer = Promise.promise();
      vertx.setTimer(650, id -> answer.complete(List.of(InetAddress.getLoopbackAddress())));
      return answer.future();
    };
    JsonObject config = infra.config();
    config.getJsonObject("delivery").put("maxAttempts", 1).put("timeoutSeconds", 1).put("leaseSeconds", 2.5);
    fixture.startWithConfig(vertx, config, slowDns);
    receiver.behave(r -> Reply.delayed(200, 650));
    String url = receiver.url("/slow").replace("127.0.0.1", "slow-dns.example.com");

    long id = Messages.send(vertx, Messages.create(7, 9, "node-1", url)).getLong("deliveryId");

    Await.until("the attempt to be recorded", Duration.ofSeconds(15),
        () -> !"pending".equals(infra.sql("SELECT status FROM webhook_deliveries WHERE id = ?", id).get(0).get(0)));
    List<Object> row = infra.sql("SELECT status, last_error FROM webhook_deliveries WHERE id = ?", id).get(0);
    assertThat(row.get(0)).isEqualTo("dead_letter");
    assertThat((String) row.get(1)).startsWith("timeout").contains("attempts exhausted");
    List<Object> log = infra.sql("SELECT duration_ms FROM webhook_delivery_attempts WHERE delivery_id = ?", id).get(0);
    assertThat((Integer) log.get(0)).as("the send got only what the DNS left of the second").isLessThan(500);
  }

  @Test
  void aRowCreatedUnderAHigherMaximumBacksOffByItsOwnBudgetAfterTheConfigurationIsLowered(Vertx vertx) {
    JsonObject config = infra.config();
    config.getJsonObject("delivery").put("maxAttempts", 2).put("baseDelaySeconds", 0.4).put("maxDelaySeconds", 10);
    fixture.startWithConfig(vertx, config);
    receiver.behave(r -> Reply.status(503));
    // Written by a worker whose maximum was still 4; the sweeper finds it overdue and queues it.
    long id = (Long) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, max_attempts)"
        + " VALUES (gen_random_uuid(), 7, 9, 'n', ?, 'POST', '{}', 4) RETURNING id", receiver.url("/down")).get(0).get(0);

    Await.until("all four attempts", Duration.ofSeconds(30),
        () -> "dead_letter".equals(infra.sql("SELECT status FROM webhook_deliveries WHERE id = ?", id).get(0).get(0)));
    List<List<Object>> attempts = infra.sql("SELECT attempt, started_at FROM webhook_delivery_attempts"
        + " WHERE delivery_id = ? ORDER BY attempt", id);
    assertThat(attempts).extracting(a -> a.get(0)).containsExactly(1, 2, 3, 4);
    // base * 2^(n-1) after attempt n: 0.4, 0.8, 1.6 s. Today's bug waited the base 0.4 s each time.
    assertThat(gapMillis(attempts, 1)).isGreaterThanOrEqualTo(800);
    assertThat(gapMillis(attempts, 2)).isGreaterThanOrEqualTo(1_600);
  }

  /** Milliseconds between the start of attempt {@code index + 1} and the one after it. */
  private static long gapMillis(List<List<Object>> attempts, int index) {
    return ((Timestamp) attempts.get(index + 1).get(1)).getTime() - ((Timestamp) attempts.get(index).get(1)).getTime();
  }
}
