package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
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
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A replay moves the outcome fence: an attempt still on the wire when its delivery was cancelled
 * and then resent can no longer record its answer onto the new budget. One delivery verticle with
 * a per-origin cap of 1 makes the order certain: the old answer arrives while the resent row waits
 * for the origin's one slot, and only then is the row sent again.
 */
@ExtendWith(VertxExtension.class)
@Timeout(90)
class ReplayFenceTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String TOKEN = "replay-fence-operator-token";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private Fixture fixture;
  private TestInfra infra;
  private ApiClient api;
  private LogCapture runnerLog;
  private final Promise<Void> firstAnswer = Promise.promise();

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    runnerLog = LogCapture.of(AttemptRunner.class);
  }

  @AfterEach
  void tearDown() {
    firstAnswer.tryComplete();
    runnerLog.close();
    if (api != null) {
      api.close();
    }
    fixture.close();
  }

  private void start(Vertx vertx, int maxAttempts, int firstStatus) {
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(TOKEN));
    config.getJsonObject("delivery").put("instances", 1).put("maxInFlightPerOrigin", 1).put("maxAttempts", maxAttempts)
        .put("timeoutSeconds", 20).put("leaseSeconds", 30).put("disableOnGone", true);
    Hookline hookline = fixture.startWithConfig(vertx, config);
    api = new ApiClient(vertx, hookline, TOKEN);
    fixture.receiver.behave(r -> "1".equals(r.header("X-Dograh-Delivery-Attempt"))
        ? Reply.heldUntil(firstAnswer.future(), firstStatus) : Reply.status(200));
  }

  /** Attempt 1 on the wire, then cancel and resend; answers the delivery's uuid and id. */
  private JsonObject sendCancelAndResend() {
    HttpResponse<Buffer> created = api.post("/v1/deliveries", Messages.create(7, 9, "node-1",
        fixture.receiver.url("/hook")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String uuid = created.bodyAsJsonObject().getString("deliveryUuid");
    Await.until("attempt 1 at the receiver", WAIT, () -> fixture.receiver.requests().size() == 1);

    HttpResponse<Buffer> cancel = api.post("/v1/deliveries/" + uuid + "/cancel", null);
    assertThat(cancel.statusCode()).as(cancel.bodyAsString()).isEqualTo(200);
    HttpResponse<Buffer> resend = api.post("/v1/deliveries/" + uuid + "/resend", null);
    assertThat(resend.statusCode()).as(resend.bodyAsString()).isEqualTo(200);
    assertThat(resend.bodyAsJsonObject().getString("status")).isEqualTo("pending");
    return created.bodyAsJsonObject();
  }

  private List<Object> row(long id) {
    return infra.sql("SELECT status, attempt_count, recorded_attempts, last_status_code FROM webhook_deliveries"
        + " WHERE id = ?", id).get(0);
  }

  private List<List<Object>> attemptLog(long id) {
    return infra.sql("SELECT attempt, outcome, status_code FROM webhook_delivery_attempts WHERE delivery_id = ?"
        + " ORDER BY attempt", id);
  }

  private void awaitFinal(long id) {
    Await.until("the resent delivery to be final", WAIT, () -> !"pending".equals(row(id).get(0)),
        () -> row(id) + " " + attemptLog(id));
  }

  @Test
  void aPermanentAnswerToTheAttemptBeforeTheResendDoesNotDecideTheResend(Vertx vertx) {
    start(vertx, 5, 400);
    JsonObject created = sendCancelAndResend();
    long id = created.getLong("deliveryId");

    firstAnswer.complete();
    awaitFinal(id);

    assertThat(fixture.receiver.requests()).extracting(r -> r.header("X-Dograh-Delivery-Attempt"))
        .as("sent again as the next attempt").containsExactly("1", "2");
    assertThat(row(id)).as("status, attempts, recorded in the new budget, last status")
        .containsExactly("succeeded", 2, 1, 200);
    assertThat(attemptLog(id)).containsExactly(List.of(1, "cancelled", 400), List.of(2, "succeeded", 200));
    Await.until("the fenced answer's log line", WAIT, () -> runnerLog.messages().stream()
        .anyMatch(m -> m.startsWith("attempt 1 of delivery=" + id + " was cancelled") && m.contains("then replayed")));
  }

  @Test
  void aFailureThatWouldHaveExhaustedTheOldBudgetDoesNotExhaustTheNewOne(Vertx vertx) {
    start(vertx, 1, 503);
    long id = sendCancelAndResend().getLong("deliveryId");

    firstAnswer.complete();
    awaitFinal(id);

    assertThat(row(id)).containsExactly("succeeded", 2, 1, 200);
    assertThat(attemptLog(id)).containsExactly(List.of(1, "cancelled", 503), List.of(2, "succeeded", 200));
  }

  @Test
  void aLate410FromBeforeTheResendNeitherDisablesTheEndpointNorEndsTheResend(Vertx vertx) {
    start(vertx, 5, 410);
    long id = sendCancelAndResend().getLong("deliveryId");

    firstAnswer.complete();
    awaitFinal(id);

    assertThat(row(id)).containsExactly("succeeded", 2, 1, 200);
    assertThat(infra.sql("SELECT count(*) FROM webhook_disabled_endpoints").get(0).get(0))
        .as("the endpoint is not disabled by an answer the fence kept out").isEqualTo(0L);
  }
}
