package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.LogCapture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An attempt that reached the receiver but lost its row before its outcome was written (an operator
 * cancelled the delivery meanwhile, or a newer attempt took it over) is in the attempt log as
 * {@code cancelled}, shown by the API, and logged as a cancelled attempt the receiver may have received.
 */
@ExtendWith(VertxExtension.class)
class CancelledAttemptTest {
  private static final String TOKEN = "cancelled-attempt-token-0123";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private Fixture fixture;
  private TestInfra infra;
  private Hookline hookline;
  private ApiClient api;
  private LogCapture runnerLog;
  private Promise<Void> answer;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx);
    infra = fixture.infra;
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(TOKEN));
    // Room to act while the receiver holds its answer, well inside the attempt's deadline.
    config.getJsonObject("delivery").put("timeoutSeconds", 20).put("leaseSeconds", 30);
    hookline = fixture.startWithConfig(vertx, config);
    api = new ApiClient(vertx, hookline, TOKEN);
    runnerLog = LogCapture.of(AttemptRunner.class);
    answer = Promise.promise();
    fixture.receiver.behave(r -> Reply.heldUntil(answer.future(), 200));
  }

  @AfterEach
  void tearDown() {
    answer.tryComplete();
    runnerLog.close();
    api.close();
    fixture.close();
  }

  /** Creates a delivery over the API and waits until its first attempt is at the receiver, unanswered. */
  private JsonObject createAndAwaitTheRequest() {
    HttpResponse<Buffer> created = api.post("/v1/deliveries", Messages.create(7, 9, "node-1",
        fixture.receiver.url("/held")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    Await.until("the request at the receiver", WAIT, () -> fixture.receiver.requests().size() == 1);
    return created.bodyAsJsonObject();
  }

  private JsonArray attempts(String uuid) {
    return api.get("/v1/deliveries/" + uuid + "/attempts").bodyAsJsonObject().getJsonArray("items");
  }

  private List<Object> row(long id) {
    return infra.sql("SELECT status, attempt_count, recorded_attempts, last_status_code FROM webhook_deliveries"
        + " WHERE id = ?", id).get(0);
  }

  private String cancelledLine(long id) {
    return runnerLog.messages().stream().filter(m -> m.startsWith("attempt 1 of delivery=" + id + " was cancelled"))
        .findFirst().orElse(null);
  }

  @Test
  @Timeout(120)
  void anAttemptInFlightWhenAnOperatorCancelsIsLoggedAsCancelledAndTheDeliveryStaysCancelled() {
    JsonObject created = createAndAwaitTheRequest();
    String uuid = created.getString("deliveryUuid");
    long id = created.getLong("deliveryId");

    HttpResponse<Buffer> cancel = api.post("/v1/deliveries/" + uuid + "/cancel", null);
    assertThat(cancel.statusCode()).as(cancel.bodyAsString()).isEqualTo(200);
    answer.complete();

    Await.until("the attempt in the log", WAIT, () -> !attempts(uuid).isEmpty());
    JsonObject attempt = attempts(uuid).getJsonObject(0);
    assertThat(attempt.getInteger("attempt")).isEqualTo(1);
    assertThat(attempt.getString("outcome")).isEqualTo("cancelled");
    assertThat(attempt.getInteger("statusCode")).isEqualTo(200);
    assertThat(attempt.getInteger("durationMs")).isNotNull();
    assertThat(row(id)).as("status, attempts, recorded, last status").containsExactly("cancelled", 1, 0, null);
    Await.until("the log line", WAIT, () -> cancelledLine(id) != null);
    assertThat(cancelledLine(id)).contains("the delivery was cancelled while the attempt was in flight",
        "outcome=succeeded status=200", "the receiver may have received it");
  }

  @Test
  @Timeout(120)
  void anAttemptWhoseRowANewerAttemptTookOverIsLoggedAsCancelledAndTheRowIsLeftToTheNewerOne() {
    JsonObject created = createAndAwaitTheRequest();
    String uuid = created.getString("deliveryUuid");
    long id = created.getLong("deliveryId");
    // What another worker's claim does once this attempt's lease has run out: a new attempt, a new lease.
    infra.sql("UPDATE webhook_deliveries SET attempt_count = attempt_count + 1,"
        + " leased_until = now() + interval '1 hour' WHERE id = ?", id);
    answer.complete();

    Await.until("the attempt in the log", WAIT, () -> !attempts(uuid).isEmpty());
    assertThat(attempts(uuid)).singleElement().satisfies(a -> {
      assertThat(((JsonObject) a).getString("outcome")).isEqualTo("cancelled");
      assertThat(((JsonObject) a).getInteger("statusCode")).isEqualTo(200);
    });
    assertThat(row(id)).as("status, attempts, recorded, last status").containsExactly("pending", 2, 0, null);
    Await.until("the log line", WAIT, () -> cancelledLine(id) != null);
    assertThat(cancelledLine(id)).contains("its lease ran out before its outcome was written, and a newer attempt"
        + " (attempt 2) owns the delivery", "the receiver may have received it");
  }
}
