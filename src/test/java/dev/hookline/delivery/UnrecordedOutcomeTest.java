package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.Await;
import dev.hookline.testing.LogCapture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.PrivatePostgres;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real outage: the receiver accepts the final attempt while Postgres is down for longer than the
 * lease, so the success cannot be recorded. The delivery must end succeeded, not dead-lettered.
 * Postgres here is a private cluster the test stops and starts; Redis is the shared one under a
 * key prefix of the test's own.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UnrecordedOutcomeTest {
  private static final double LEASE_SECONDS = 2;

  private PrivatePostgres postgres;
  private TestInfra redisOnly;
  private Receiver receiver;
  private Hookline hookline;
  private LogCapture runnerLog;

  @BeforeEach
  void setUp(Vertx vertx) {
    postgres = PrivatePostgres.start("hlunrec");
    redisOnly = TestInfra.create();
    receiver = Receiver.start(vertx);
    runnerLog = LogCapture.of(AttemptRunner.class);
  }

  @AfterEach
  void tearDown() {
    try {
      if (hookline != null) {
        hookline.stop().await();
      }
      receiver.close();
      runnerLog.close();
      redisOnly.close();
    } finally {
      postgres.close();
    }
  }

  @Test
  void aFinalAttemptAcceptedWhilePostgresIsDownPastTheLeaseEndsSucceeded(Vertx vertx) throws Exception {
    JsonObject config = redisOnly.config();
    config.getJsonObject("postgres").put("url", postgres.url("hookline"));
    config.getJsonObject("delivery").put("maxAttempts", 2).put("timeoutSeconds", 1).put("leaseSeconds", LEASE_SECONDS)
        .put("instances", 1);
    hookline = Hookline.start(vertx, config).await();
    Promise<Void> release = Promise.promise();
    receiver.behave(r -> switch (r.header("X-Dograh-Delivery-Attempt")) {
      case "1" -> Reply.status(503);
      case "2" -> Reply.heldUntil(release.future(), 200); // the final attempt: answered once Postgres is down
      default -> Reply.status(200);
    });

    Messages.send(vertx, Messages.create(7, 9, "node-1", receiver.url("/final")));
    Await.until("the final attempt to reach the receiver", Duration.ofSeconds(20),
        () -> receiver.requests().size() == 2);
    postgres.stop("immediate");
    long stoppedAt = System.nanoTime();
    vertx.runOnContext(v -> release.complete());

    // The worker retries the success write until Postgres answers; the outage is the scenario
    // itself, so it lasts until the write has been refused and the lease has run out.
    Await.until("the worker to find the success write refused", Duration.ofSeconds(30),
        () -> runnerLog.messages().stream().anyMatch(m -> m.contains("attempt=2 delivered but the success write failed")),
        () -> String.valueOf(runnerLog.messages()));
    Await.until("Postgres to have been down for longer than the lease", Duration.ofSeconds(30),
        () -> System.nanoTime() - stoppedAt > (long) (LEASE_SECONDS * 1e9));
    postgres.start();

    Await.until("the delivery to be final", Duration.ofSeconds(60), () -> row().size() == 4 && !"pending".equals(row().get(0)),
        () -> String.valueOf(row()));
    // Two ends are right, whichever comes first once Postgres is back: the retried write records
    // attempt 2's success (no resend), or, the lease being over, the row is claimed and sent again as
    // attempt 3, whose success is recorded (and attempt 2's write is fenced out).
    List<String> sent = receiver.requests().stream().map(r -> r.header("X-Dograh-Delivery-Attempt")).toList();
    assertThat(sent).isIn(List.of("1", "2"), List.of("1", "2", "3"));
    assertThat(row()).as("status, attempt_count, recorded_attempts, last_status_code")
        .containsExactly("succeeded", sent.size(), 2, 200);
    assertThat(runnerLog.messages()).as("a delivered webhook's success is never given up on")
        .noneMatch(m -> m.contains("outcome=succeeded could not be recorded"));
    assertThat(receiver.requests()).extracting(r -> r.header("X-Dograh-Delivery-Id")).containsOnly(
        receiver.requests().get(0).header("X-Dograh-Delivery-Id"));
  }

  /** The one delivery's status, attempt count, recorded attempts and last status code; empty while Postgres is away. */
  private List<Object> row() {
    try (Connection conn = DriverManager.getConnection(postgres.jdbcUrl("hookline"), "postgres", null);
         ResultSet rs = conn.createStatement().executeQuery(
             "SELECT status, attempt_count, recorded_attempts, last_status_code FROM webhook_deliveries")) {
      List<Object> row = new ArrayList<>();
      if (rs.next()) {
        for (int c = 1; c <= 4; c++) {
          row.add(rs.getObject(c));
        }
      }
      return row;
    } catch (SQLException e) {
      return List.of("unreachable: " + e.getMessage());
    }
  }
}
