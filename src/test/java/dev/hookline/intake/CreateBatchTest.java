package dev.hookline.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.testing.IntakeTestBase;
import dev.hookline.testing.Messages;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code hookline.delivery.create-batch} and the grouping of concurrent single creates, against
 * real Postgres and Redis with nothing delivering, so rows and queue entries can be inspected.
 */
class CreateBatchTest extends IntakeTestBase {
  private static final String URL = "https://crm.example.com/hooks/calls";

  private static JsonArray batch(Vertx vertx, Object body) {
    return (JsonArray) vertx.eventBus().request(IntegrationVerticle.CREATE_BATCH_ADDRESS, body).await().body();
  }

  @Test
  void resultsComeBackInTheOrderSentAndEveryCreatedRowIsQueued(Vertx vertx) {
    JsonArray creates = new JsonArray();
    for (int run = 1; run <= 50; run++) {
      creates.add(Messages.create(7, 1_000 + run, "node-1", URL));
    }

    JsonArray replies = batch(vertx, creates);

    assertThat(replies).hasSize(50);
    for (int i = 0; i < 50; i++) {
      JsonObject reply = replies.getJsonObject(i);
      assertThat(reply.getString("status")).isEqualTo("created");
      List<Object> row = infra.sql("SELECT workflow_run_id, delivery_uuid::text FROM webhook_deliveries WHERE id = ?",
          reply.getLong("deliveryId")).get(0);
      assertThat(row).containsExactly(1_001L + i, reply.getString("deliveryUuid"));
      assertThat(queue.scoreOf(reply.getLong("deliveryId")).await()).isNotNull();
    }
    assertThat(queue.size().await()).isEqualTo(50);
    // One transaction for the whole batch: every row carries the same transaction start time.
    assertThat(infra.sql("SELECT count(DISTINCT created_at) FROM webhook_deliveries").get(0)).containsExactly(1L);
  }

  @Test
  void oneBadItemFailsOnlyItselfNamingItsField(Vertx vertx) {
    JsonObject badUrl = Messages.create(7, 2, "node-1", "ftp://crm.example.com/x");
    JsonObject disabled = Messages.create(7, 4, "node-1", URL);
    disabled.getJsonObject("webhook").put("enabled", false);
    JsonArray creates = new JsonArray()
        .add(Messages.create(7, 1, "node-1", URL))
        .add(badUrl)
        .add("not an object")
        .add(disabled)
        .add(Messages.create(7, 5, "node-1", URL));

    JsonArray replies = batch(vertx, creates);

    assertThat(replies.getJsonObject(0).getString("status")).isEqualTo("created");
    JsonObject bad = replies.getJsonObject(1);
    assertThat(bad.getString("status")).isEqualTo("failed");
    assertThat(bad.getInteger("code")).isEqualTo(400);
    assertThat(bad.getString("field")).isEqualTo("webhook.endpointUrl");
    assertThat(bad.getString("error")).startsWith("webhook.endpointUrl");
    assertThat(replies.getJsonObject(2).getInteger("code")).isEqualTo(400);
    assertThat(replies.getJsonObject(2).getString("field")).isEqualTo("body");
    assertThat(replies.getJsonObject(3).getString("status")).isEqualTo("skipped");
    assertThat(replies.getJsonObject(4).getString("status")).isEqualTo("created");
    assertThat(infra.sql("SELECT workflow_run_id FROM webhook_deliveries ORDER BY workflow_run_id"))
        .containsExactly(List.of(1L), List.of(5L));
    assertThat(queue.size().await()).isEqualTo(2);
  }

  @Test
  void duplicatesWithinABatchAndAcrossBatchesAreIdempotent(Vertx vertx) {
    JsonObject earlier = Messages.send(vertx, Messages.create(7, 3, "node-1", URL));
    JsonArray creates = new JsonArray()
        .add(Messages.create(7, 1, "node-1", URL))
        .add(Messages.create(7, 1, "node-1", "https://other.example.com/"))
        .add(Messages.create(7, 1, "node-2", URL))
        .add(Messages.create(7, 3, "node-1", URL));

    JsonArray replies = batch(vertx, creates);

    JsonObject first = replies.getJsonObject(0);
    JsonObject duplicate = replies.getJsonObject(1);
    assertThat(first.getString("status")).isEqualTo("created");
    assertThat(duplicate.getString("status")).isEqualTo("existing");
    assertThat(duplicate.getLong("deliveryId")).isEqualTo(first.getLong("deliveryId"));
    assertThat(duplicate.getString("deliveryUuid")).isEqualTo(first.getString("deliveryUuid"));
    assertThat(replies.getJsonObject(2).getString("status")).isEqualTo("created");
    assertThat(replies.getJsonObject(3).getString("status")).isEqualTo("existing");
    assertThat(replies.getJsonObject(3).getLong("deliveryId")).isEqualTo(earlier.getLong("deliveryId"));
    assertThat(infra.count("true")).isEqualTo(3);
    assertThat(infra.sql("SELECT endpoint_url FROM webhook_deliveries WHERE workflow_run_id = 1 AND webhook_node_id = 'node-1'"))
        .containsExactly(List.of(URL));
    // Sending the same batch again creates nothing and queues nothing new.
    long queued = queue.size().await();
    JsonArray again = batch(vertx, creates);
    assertThat(again).extracting(o -> ((JsonObject) o).getString("status")).containsOnly("existing");
    assertThat(infra.count("true")).isEqualTo(3);
    assertThat(queue.size().await()).isEqualTo(queued);
  }

  @Test
  void aRunOfAnotherOrganizationIsRefusedPerItem(Vertx vertx) {
    Messages.send(vertx, Messages.create(7, 9, "node-1", URL));
    JsonArray creates = new JsonArray()
        .add(Messages.create(8, 9, "node-2", URL))
        .add(Messages.create(8, 10, "node-1", URL))
        // The first item of run 10 decided its organization: 7 is now the intruder.
        .add(Messages.create(7, 10, "node-2", URL));

    JsonArray replies = batch(vertx, creates);

    assertThat(replies.getJsonObject(0).getInteger("code")).isEqualTo(409);
    assertThat(replies.getJsonObject(0).getString("error"))
        .isEqualTo("workflow run 9 belongs to organization 7, not 8");
    assertThat(replies.getJsonObject(1).getString("status")).isEqualTo("created");
    assertThat(replies.getJsonObject(2).getInteger("code")).isEqualTo(409);
    assertThat(infra.sql("SELECT organization_id, workflow_run_id, webhook_node_id FROM webhook_deliveries ORDER BY id"))
        .containsExactly(List.of(7L, 9L, "node-1"), List.of(8L, 10L, "node-1"));
  }

  @Test
  void aBodyThatIsNotAnArrayOrIsTooLargeFailsTheWholeMessage(Vertx vertx) {
    ReplyException notArray = failure(vertx, Messages.create(7, 1, "node-1", URL));
    assertThat(notArray.failureCode()).isEqualTo(400);
    assertThat(notArray.getMessage()).startsWith("body:");

    JsonArray tooMany = new JsonArray();
    for (int i = 0; i <= DeliveryIntake.MAX_BATCH; i++) {
      tooMany.add(Messages.create(7, i + 1, "node-1", URL));
    }
    ReplyException tooLarge = failure(vertx, tooMany);
    assertThat(tooLarge.failureCode()).isEqualTo(400);
    assertThat(tooLarge.getMessage()).startsWith("batch:").contains("1001");
    assertThat(infra.count("true")).isZero();

    assertThat(batch(vertx, new JsonArray())).isEmpty();
  }

  @Test
  void concurrentSingleCreatesShareTransactionsAndEachGetsItsOwnCorrectReply(Vertx vertx) {
    Messages.send(vertx, Messages.create(7, 5_000, "node-1", URL));
    List<JsonObject> messages = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      messages.add(Messages.create(7, 10_000 + i, "node-1", URL));
    }
    messages.add(Messages.create(7, 10_000, "node-1", URL));     // a duplicate of the first
    messages.add(Messages.create(8, 5_000, "node-2", URL));      // another organization's run
    messages.add(Messages.create(7, 10_001, "", URL));           // invalid

    List<Future<Object>> replies = new ArrayList<>();
    for (JsonObject message : messages) {
      replies.add(vertx.eventBus().request(IntegrationVerticle.CREATE_ADDRESS, message).map(m -> m.body()));
    }
    Future.join(replies).otherwiseEmpty().await();

    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < 300; i++) {
      JsonObject reply = (JsonObject) replies.get(i).result();
      assertThat(reply.getString("status")).isEqualTo("created");
      ids.add(reply.getLong("deliveryId"));
      assertThat(infra.sql("SELECT workflow_run_id FROM webhook_deliveries WHERE id = ?", reply.getLong("deliveryId")))
          .containsExactly(List.of(10_000L + i));
    }
    assertThat(ids).hasSize(300);
    JsonObject duplicate = (JsonObject) replies.get(300).result();
    assertThat(duplicate.getString("status")).isEqualTo("existing");
    assertThat(duplicate.getLong("deliveryId")).isEqualTo(((JsonObject) replies.get(0).result()).getLong("deliveryId"));
    assertThat(((ReplyException) replies.get(301).cause()).failureCode()).isEqualTo(409);
    assertThat(((ReplyException) replies.get(302).cause()).failureCode()).isEqualTo(400);
    assertThat(infra.count("true")).isEqualTo(301);
    assertThat(queue.size().await()).isEqualTo(301);
    // Grouped: far fewer transactions (distinct transaction start times) than creates.
    long transactions = (Long) infra.sql("SELECT count(DISTINCT created_at) FROM webhook_deliveries"
        + " WHERE workflow_run_id >= 10000").get(0).get(0);
    assertThat(transactions).isLessThan(100);
  }

  private static ReplyException failure(Vertx vertx, Object body) {
    return Messages.requestExpectingFailure(vertx, IntegrationVerticle.CREATE_BATCH_ADDRESS, body);
  }
}
