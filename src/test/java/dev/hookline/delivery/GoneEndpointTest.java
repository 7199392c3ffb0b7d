package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.events.EventPublisher;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A receiver that answers 410 Gone: the delivery is dead-lettered, the endpoint URL is disabled
 * for that organization (its pending deliveries cancelled, later creates skipped, an
 * endpoint.disabled event told) until an operator enables it again.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class GoneEndpointTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String TOKEN = "gone-endpoint-operator-token";
  private static final String TENANT_8 = "gone-endpoint-tenant-8-token";
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final List<JsonObject> onTheBus = new CopyOnWriteArrayList<>();
  private Fixture fixture;
  private TestInfra infra;
  private Receiver receiver;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    receiver = fixture.receiver;
    vertx.eventBus().<JsonObject>consumer(EventPublisher.OUTCOME_ADDRESS, message -> onTheBus.add(message.body()));
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  private Hookline start(Vertx vertx, boolean disableOnGone) {
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(TOKEN)
        .add(new JsonObject().put("token", TENANT_8).put("organizationId", 8)));
    config.getJsonObject("delivery").put("timeoutSeconds", 20).put("leaseSeconds", 30)
        .put("disableOnGone", disableOnGone);
    return fixture.startWithConfig(vertx, config);
  }

  private JsonObject create(Vertx vertx, long org, long run) {
    return Messages.send(vertx, Messages.create(org, run, "node-1", receiver.url("/gone")));
  }

  private List<Object> row(long id) {
    return infra.sql("SELECT status, last_status_code, last_error FROM webhook_deliveries WHERE id = ?", id).get(0);
  }

  private long rowsOfRun(long run) {
    return (Long) infra.sql("SELECT count(*) FROM webhook_deliveries WHERE workflow_run_id = ?", run).get(0).get(0);
  }

  @Test
  void aGoneEndpointIsDisabledForItsOrganizationUntilEnabledAgain(Vertx vertx) {
    Promise<Void> held = Promise.promise();
    boolean[] gone = {true};
    receiver.behave(r -> {
      String run = r.header("X-Dograh-Workflow-Run-Id");
      if (run.equals("2")) {
        return Reply.heldUntil(held.future(), 200);
      }
      return gone[0] && run.equals("1") ? Reply.status(410) : Reply.status(200);
    });
    Hookline hookline = start(vertx, true);

    // Run 2 is on the wire, pending, when run 1 hears that the endpoint is gone.
    long inFlight = create(vertx, 7, 2).getLong("deliveryId");
    Await.until("run 2 at the receiver", WAIT, () -> receiver.requests().size() == 1);
    long goneId = create(vertx, 7, 1).getLong("deliveryId");
    Await.until("run 1 dead-lettered and run 2 cancelled", WAIT,
        () -> row(goneId).get(0).equals("dead_letter") && row(inFlight).get(0).equals("cancelled"));
    assertThat(row(goneId).get(1)).isEqualTo(410);
    assertThat((String) row(inFlight).get(2)).startsWith("endpoint_disabled: " + receiver.url("/gone"));
    held.complete();
    Await.until("run 2's late answer logged as cancelled", WAIT, () -> !infra.sql(
        "SELECT 1 FROM webhook_delivery_attempts WHERE delivery_id = ? AND outcome = 'cancelled'", inFlight).isEmpty());
    assertThat(row(inFlight).get(0)).as("the late answer does not revive it").isEqualTo("cancelled");

    JsonObject skipped = create(vertx, 7, 3);
    assertThat(skipped.getString("status")).isEqualTo("skipped");
    assertThat(skipped.getString("reason")).isEqualTo("endpoint_disabled");
    assertThat(skipped.containsKey("deliveryId")).isFalse();
    assertThat(rowsOfRun(3)).as("nothing stored").isZero();
    assertThat(create(vertx, 8, 4).getString("status")).as("another organization's is not disabled")
        .isEqualTo("created");

    Await.until("the bus told of the disabled endpoint and the cancelled delivery", WAIT,
        () -> onTheBus.stream().anyMatch(e -> e.getString("type").equals("delivery.cancelled")));
    List<JsonObject> disabledEvents = onTheBus.stream().filter(e -> e.getString("type").equals("endpoint.disabled"))
        .toList();
    assertThat(disabledEvents).hasSize(1);
    assertThat(disabledEvents.get(0).getLong("deliveryId")).isEqualTo(goneId);
    assertThat(disabledEvents.get(0).getInteger("statusCode")).isEqualTo(410);

    try (ApiClient operator = new ApiClient(vertx, hookline, TOKEN);
         ApiClient tenant8 = new ApiClient(vertx, hookline, TENANT_8)) {
      JsonArray listed = operator.get("/v1/endpoints/disabled?organizationId=7").bodyAsJsonObject()
          .getJsonArray("items");
      assertThat(listed).hasSize(1);
      assertThat(listed.getJsonObject(0).getString("endpointUrl")).isEqualTo(receiver.url("/gone"));
      assertThat(listed.getJsonObject(0).getInteger("statusCode")).isEqualTo(410);
      assertThat(tenant8.get("/v1/endpoints/disabled").bodyAsJsonObject().getJsonArray("items"))
          .as("a tenant sees only its own organization's").isEmpty();
      ApiClient.assertError(tenant8.post("/v1/endpoints/enable", new JsonObject().put("organizationId", 7)
          .put("endpointUrl", receiver.url("/gone"))), 404, "organizationId");
      ApiClient.assertError(operator.post("/v1/endpoints/enable", new JsonObject().put("organizationId", 7)),
          400, "endpointUrl");

      gone[0] = false;
      HttpResponse<Buffer> enabled = operator.post("/v1/endpoints/enable", new JsonObject().put("organizationId", 7)
          .put("endpointUrl", receiver.url("/gone")));
      assertThat(enabled.statusCode()).isEqualTo(200);
      assertThat(enabled.bodyAsJsonObject().getJsonObject("enabled").getString("endpointUrl"))
          .isEqualTo(receiver.url("/gone"));
      ApiClient.assertError(operator.post("/v1/endpoints/enable", new JsonObject().put("organizationId", 7)
          .put("endpointUrl", receiver.url("/gone"))), 404, "endpointUrl");
      assertThat(operator.get("/v1/endpoints/disabled").bodyAsJsonObject().getJsonArray("items")).isEmpty();
    }
    long again = create(vertx, 7, 5).getLong("deliveryId");
    Await.until("a create after re-enabling delivered", WAIT, () -> row(again).get(0).equals("succeeded"));
  }

  @Test
  void withDisableOnGoneOffA410OnlyDeadLettersItsDelivery(Vertx vertx) {
    receiver.behave(r -> Reply.status(410));
    start(vertx, false);
    long id = create(vertx, 7, 1).getLong("deliveryId");
    Await.until("dead-lettered", WAIT, () -> row(id).get(0).equals("dead_letter"));
    assertThat(create(vertx, 7, 2).getString("status")).isEqualTo("created");
    assertThat(infra.sql("SELECT count(*) FROM webhook_disabled_endpoints").get(0).get(0)).isEqualTo(0L);
  }
}
