package dev.hookline.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One bad create among many concurrent ones fails alone: over real HTTP against a running
 * Hookline, Postgres and Redis, creates that meet in the same grouped transaction as a create
 * Postgres refuses are all stored and queued, the refused one answers 400, and nothing of it is
 * written. Deliveries are made due an hour from now, so the schedule can be read as intake left it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PoisonedGroupTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final String TOKEN = "poisoned-group-token-0123456789";
  private static final int VALID = 300;
  private static final int BAD_EACH = 50;

  private Fixture fixture;
  private TestInfra infra;
  private Hookline hookline;
  private WebClient client;
  private String url;
  /** The column default the set-up replaces, put back after the test: the class shares one database. */
  private String scheduledForDefault;

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx, DATABASE);
    infra = fixture.infra;
    JsonObject config = infra.config();
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(TOKEN));
    hookline = fixture.startWithConfig(vertx, config);
    scheduledForDefault = (String) infra.sql("SELECT column_default FROM information_schema.columns"
        + " WHERE table_name = 'webhook_deliveries' AND column_name = 'scheduled_for'").get(0).get(0);
    // Nothing becomes due during the test: every created id stays on the schedule to be inspected.
    infra.sql("ALTER TABLE webhook_deliveries ALTER COLUMN scheduled_for SET DEFAULT now() + interval '1 hour'");
    // Many connections, so the creates reach the API together and meet in the same groups.
    client = WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(64));
    url = fixture.receiver.url("/hook");
  }

  @AfterEach
  void tearDown() {
    try {
      if (client != null) {
        client.close();
      }
    } finally {
      fixture.close();
      if (scheduledForDefault != null) {
        infra.sql("ALTER TABLE webhook_deliveries ALTER COLUMN scheduled_for SET DEFAULT " + scheduledForDefault);
      }
      infra.sql("ALTER TABLE webhook_deliveries DROP CONSTRAINT IF EXISTS test_poison");
    }
  }

  @Test
  void createsWithNulCharactersFailAloneNamingTheirFieldAmongConcurrentValidOnes() {
    List<Create> creates = new ArrayList<>();
    for (int i = 0; i < VALID; i++) {
      creates.add(new Create(Messages.create(7, 10_000 + i, "node-1", url), null));
    }
    for (int i = 0; i < BAD_EACH; i++) {
      JsonObject badName = Messages.create(7, 20_000 + i, "node-1", url);
      badName.getJsonObject("webhook").put("name", "Final\u0000Webhook " + i);
      creates.add(new Create(badName, "webhook.name"));
      creates.add(new Create(Messages.create(7, 30_000 + i, "node\u0000" + i, url), "webhookNodeId"));
    }
    Collections.shuffle(creates, new Random(42));

    List<HttpResponse<Buffer>> answers = sendAll(creates);

    Set<Long> createdIds = new HashSet<>();
    for (int i = 0; i < creates.size(); i++) {
      Create create = creates.get(i);
      HttpResponse<Buffer> answer = answers.get(i);
      if (create.badField() == null) {
        assertThat(answer.statusCode()).as("valid run " + create.run() + ": " + answer.bodyAsString()).isEqualTo(201);
        createdIds.add(answer.bodyAsJsonObject().getLong("deliveryId"));
      } else {
        ApiClient.assertError(answer, 400, create.badField());
        assertThat(answer.bodyAsJsonObject().getString("error")).contains("NUL");
      }
    }
    assertThat(statusCounts(answers)).as("statuses").containsOnlyKeys(201, 400);
    assertThat(createdIds).hasSize(VALID);
    assertStoredAndQueuedExactly(createdIds);
    assertThat(infra.count("workflow_run_id >= 20000")).as("rows of NUL creates").isZero();
  }

  @Test
  void aRowPostgresRefusesFailsAloneWhileItsGroupAndBatchNeighboursAreStored() {
    infra.sql("ALTER TABLE webhook_deliveries ADD CONSTRAINT test_poison CHECK (webhook_node_id NOT LIKE 'poison%')");
    List<Create> creates = new ArrayList<>();
    for (int i = 0; i < VALID; i++) {
      creates.add(new Create(Messages.create(7, 40_000 + i, "node-1", url), null));
    }
    for (int i = 0; i < BAD_EACH; i++) {
      creates.add(new Create(Messages.create(7, 50_000 + i, "poison-" + i, url), "body"));
    }
    Collections.shuffle(creates, new Random(7));
    // One batch beside them, every fourth item poisoned.
    JsonArray batch = new JsonArray();
    List<Boolean> batchPoisoned = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      boolean poisoned = i % 4 == 1;
      batch.add(Messages.create(7, 60_000 + i, poisoned ? "poison-batch-" + i : "node-1", url));
      batchPoisoned.add(poisoned);
    }

    Future<HttpResponse<Buffer>> batchAnswer = request("/v1/deliveries/batch").sendJson(batch);
    List<HttpResponse<Buffer>> answers = sendAll(creates);
    HttpResponse<Buffer> batchReply = batchAnswer.await();

    Set<Long> createdIds = new HashSet<>();
    List<String> validFailures = new ArrayList<>();
    for (int i = 0; i < creates.size(); i++) {
      Create create = creates.get(i);
      HttpResponse<Buffer> answer = answers.get(i);
      if (create.badField() == null) {
        if (answer.statusCode() != 201) {
          validFailures.add("run " + create.run() + ": " + answer.statusCode() + " " + answer.bodyAsString());
        } else {
          createdIds.add(answer.bodyAsJsonObject().getLong("deliveryId"));
        }
      } else {
        ApiClient.assertError(answer, 400, "body");
        assertThat(answer.bodyAsJsonObject().getString("error")).as("run " + create.run()).contains("SQLSTATE 23514");
      }
    }
    assertThat(validFailures).as("valid creates that did not get 201 (statuses " + statusCounts(answers) + ")")
        .isEmpty();
    assertThat(statusCounts(answers)).as("no 503: the refusal is one row's, not storage's").doesNotContainKey(503)
        .containsOnlyKeys(201, 400);

    assertThat(batchReply.statusCode()).as(batchReply.bodyAsString()).isEqualTo(200);
    JsonArray items = batchReply.bodyAsJsonArray();
    assertThat(items).hasSize(batch.size());
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      if (batchPoisoned.get(i)) {
        assertThat(item.getString("status")).as("batch item " + i + ": " + item).isEqualTo("failed");
        assertThat(item.getInteger("code")).as(item.toString()).isEqualTo(400);
        assertThat(item.getString("field")).as(item.toString()).isEqualTo("body");
      } else {
        assertThat(item.getString("status")).as("batch item " + i + ": " + item).isEqualTo("created");
        createdIds.add(item.getLong("deliveryId"));
      }
    }

    assertThat(createdIds).hasSize(VALID + 30);
    assertStoredAndQueuedExactly(createdIds);
    assertThat(infra.count("workflow_run_id >= 50000 AND workflow_run_id < 60000")).as("poisoned rows").isZero();
    // The premise: concurrent creates did share transactions (a transaction's rows share its start time).
    long transactions = ((Number) infra.sql("SELECT count(DISTINCT created_at) FROM webhook_deliveries")
        .get(0).get(0)).longValue();
    assertThat(transactions).as("transactions for " + createdIds.size() + " rows").isLessThan(createdIds.size());
  }

  /** The table holds exactly these rows, and the schedule exactly these ids. */
  private void assertStoredAndQueuedExactly(Set<Long> ids) {
    Set<Long> stored = new HashSet<>();
    for (List<Object> row : infra.sql("SELECT id FROM webhook_deliveries")) {
      stored.add(((Number) row.get(0)).longValue());
    }
    assertThat(stored).as("rows stored").isEqualTo(ids);
    assertThat(hookline.queue().size().await()).as("ids on the schedule").isEqualTo(ids.size());
    for (long id : ids) {
      assertThat(hookline.queue().scoreOf(id).await()).as("delivery " + id + " queued").isNotNull();
    }
  }

  private io.vertx.ext.web.client.HttpRequest<Buffer> request(String path) {
    return client.request(HttpMethod.POST, hookline.httpPort(), "127.0.0.1", path)
        .putHeader("Authorization", "Bearer " + TOKEN);
  }

  /** Sends every create at once and waits for all the answers, in the creates' order. */
  private List<HttpResponse<Buffer>> sendAll(List<Create> creates) {
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>(creates.size());
    for (Create create : creates) {
      sent.add(request("/v1/deliveries").sendJsonObject(create.body()));
    }
    Future.join(sent).await();
    return sent.stream().map(Future::result).toList();
  }

  private static TreeMap<Integer, Integer> statusCounts(List<HttpResponse<Buffer>> answers) {
    TreeMap<Integer, Integer> counts = new TreeMap<>();
    answers.forEach(answer -> counts.merge(answer.statusCode(), 1, Integer::sum));
    return counts;
  }

  /** A create body and the field its refusal must name (null: a valid create). */
  private record Create(JsonObject body, String badField) {
    long run() {
      return body.getLong("workflowRunId");
    }
  }
}
