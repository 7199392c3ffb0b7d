package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A delivery's own {@code retry} object over real HTTP, Postgres, Redis and receivers, with time
 * scaled down: the test configuration backs off 0.05 s, 0.1 s, 0.2 s, 0.2 s over 5 attempts.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RetryWindowTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final Duration WAIT = Duration.ofSeconds(30);

  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;
  private ApiClient api;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
    Hookline hookline = fixture.startWithConfig(vertx, infra.config());
    api = new ApiClient(vertx, hookline, "unused: no token is configured");
  }

  @AfterEach
  void tearDown() {
    api.close();
    fixture.close();
  }

  @Test
  void aScheduleThatReachesPastAnOutageDeliversWhatTheDefaultBackoffDeadLetters() {
    // The outage lasts until the twin without a retry object has had its last attempt refused,
    // so it is longer than the default backoff's whole window, however slow this machine is.
    AtomicBoolean outage = new AtomicBoolean(true);
    receiver.behave(request -> {
      if (request.path().equals("/plain") && "5".equals(request.header("X-Dograh-Delivery-Attempt"))) {
        outage.set(false);
        return Reply.status(503);
      }
      return Reply.status(outage.get() ? 503 : 204);
    });
    JsonArray schedule = new JsonArray().add(0.5).add(1).add(2).add(4);

    String scheduled = create(1, "/scheduled", new JsonObject().put("schedule", schedule));
    String plain = create(2, "/plain", null);

    Await.until("both deliveries to end", WAIT, () -> !"pending".equals(status(scheduled))
        && !"pending".equals(status(plain)), () -> status(scheduled) + " / " + status(plain));
    JsonObject twin = api.get("/v1/deliveries/" + plain).bodyAsJsonObject();
    assertThat(twin.getString("status")).isEqualTo("dead_letter");
    assertThat(twin.getInteger("attemptCount")).isEqualTo(5);
    assertThat(twin.getValue("retry")).isNull();
    JsonObject row = api.get("/v1/deliveries/" + scheduled).bodyAsJsonObject();
    assertThat(row.getString("status")).isEqualTo("succeeded");
    assertThat(row.getInteger("maxAttempts")).isEqualTo(5);
    assertThat(row.getString("kind")).isEqualTo("delivery");
    assertThat(row.getJsonObject("retry"))
        .isEqualTo(new JsonObject().put("maxAttempts", 5).put("schedule", new JsonArray().add(0.5).add(1.0).add(2.0).add(4.0)));
    assertThat(row.getValue("expiresAt")).isNull();

    List<List<Object>> attempts = attempts(scheduled);
    assertThat(attempts.get(attempts.size() - 1).get(1)).isEqualTo("succeeded");
    assertThat(attempts).as("refused during the outage first").hasSizeGreaterThan(1);
    for (int i = 0; i + 1 < attempts.size(); i++) {
      assertThat(attempts.get(i).get(1)).isEqualTo("retry");
      assertThat(gapMillis(attempts, i)).as("the wait after attempt %d follows the schedule", i + 1)
          .isGreaterThanOrEqualTo((long) (schedule.getDouble(i) * 1_000));
    }
    List<List<Object>> twinAttempts = attempts(plain);
    assertThat(startedAt(attempts.get(attempts.size() - 1)))
        .as("the scheduled delivery succeeded after the default backoff had given up")
        .isAfter(startedAt(twinAttempts.get(twinAttempts.size() - 1)));
  }

  @Test
  void aDeliveryWhoseWindowEndsBeforeItsNextAttemptEndsExpired() {
    receiver.behave(request -> Reply.status(503));
    // The second attempt, about 0.2 s in, would be followed by a 30 s wait: past the 5 s window.
    JsonObject retry = new JsonObject().put("schedule", new JsonArray().add(0.2).add(30)).put("deliverWithinSeconds", 5);

    String uuid = create(3, "/down", retry);

    Await.until("the delivery to end", WAIT, () -> !"pending".equals(status(uuid)));
    JsonObject row = api.get("/v1/deliveries/" + uuid).bodyAsJsonObject();
    assertThat(row.getString("status")).isEqualTo("expired");
    assertThat(row.getInteger("attemptCount")).isEqualTo(2);
    assertThat(row.getInteger("lastStatusCode")).isEqualTo(503);
    assertThat(row.getString("lastError")).isEqualTo("HTTP 503 (window of 5s ends before the next attempt)");
    assertThat(row.getValue("scheduledFor")).isNull();
    assertThat(row.getJsonObject("retry").getDouble("deliverWithinSeconds")).isEqualTo(5.0);
    assertThat(Duration.between(Instant.parse(row.getString("createdAt")), Instant.parse(row.getString("expiresAt"))))
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(attempts(uuid)).extracting(a -> a.get(1)).containsExactly("retry", "expired");
    assertThat(receiver.requestsTo("/down")).hasSize(2);
  }

  @Test
  void aRetriedDeadLetterGetsItsOwnPlansBudgetAndAFreshWindow() {
    AtomicBoolean down = new AtomicBoolean(true);
    receiver.behave(request -> Reply.status(down.get() ? 503 : 204));
    String uuid = create(5, "/flaky", new JsonObject().put("schedule", new JsonArray().add(0.05))
        .put("deliverWithinSeconds", 60));
    Await.until("the dead letter", WAIT, () -> "dead_letter".equals(status(uuid)));
    Instant firstWindowEnds = Instant.parse(api.get("/v1/deliveries/" + uuid).bodyAsJsonObject().getString("expiresAt"));
    down.set(false);

    JsonObject retried = api.post("/v1/deliveries/" + uuid + "/retry", null).bodyAsJsonObject();

    assertThat(retried.getInteger("maxAttempts")).as("2 attempts made + the plan's 2, not the configured 5").isEqualTo(4);
    assertThat(Instant.parse(retried.getString("expiresAt"))).as("60 s from the retry").isAfter(firstWindowEnds);
    Await.until("the retried delivery to succeed", WAIT, () -> "succeeded".equals(status(uuid)));
    assertThat(attempts(uuid)).extracting(a -> a.get(1)).containsExactly("retry", "dead_letter", "succeeded");
  }

  @Test
  void aRetryObjectThatBreaksTheLimitsIsRefusedNamingTheFieldAndNothingIsStored() {
    JsonObject message = Messages.create(7, 4, "node-1", receiver.url("/hook"))
        .put("retry", new JsonObject().put("schedule", new JsonArray().add(60)).put("maxAttempts", 3));

    ApiClient.assertError(api.post("/v1/deliveries", message), 400, "retry.schedule");
    message.put("retry", new JsonObject().put("maxAttemps", 3));
    ApiClient.assertError(api.post("/v1/deliveries", message), 400, "retry.maxAttemps");

    assertThat(infra.count("true")).isZero();
  }

  /** Creates a delivery to {@code path} for run {@code run} over the API, with {@code retry} unless null. */
  private String create(long run, String path, JsonObject retry) {
    JsonObject message = Messages.create(7, run, "node-1", receiver.url(path));
    if (retry != null) {
      message.put("retry", retry);
    }
    var reply = api.post("/v1/deliveries", message);
    assertThat(reply.statusCode()).as(reply.bodyAsString()).isEqualTo(201);
    return reply.bodyAsJsonObject().getString("deliveryUuid");
  }

  private String status(String uuid) {
    return api.get("/v1/deliveries/" + uuid).bodyAsJsonObject().getString("status");
  }

  /** The attempt log of the delivery: attempt, outcome, started_at, oldest first. */
  private List<List<Object>> attempts(String uuid) {
    return infra.sql("SELECT a.attempt, a.outcome, a.started_at FROM webhook_delivery_attempts a"
        + " JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.delivery_uuid = ?::uuid ORDER BY a.attempt", uuid);
  }

  private static Instant startedAt(List<Object> attempt) {
    return ((Timestamp) attempt.get(2)).toInstant();
  }

  /** Milliseconds between the start of attempt {@code index + 1} and the one after it. */
  private static long gapMillis(List<List<Object>> attempts, int index) {
    return Duration.between(startedAt(attempts.get(index)), startedAt(attempts.get(index + 1))).toMillis();
  }
}
