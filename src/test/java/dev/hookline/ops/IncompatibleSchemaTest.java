package dev.hookline.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.hookline.Hookline;
import dev.hookline.store.SchemaCompatibility;
import dev.hookline.testing.ApiClient;
import dev.hookline.testing.Await;
import dev.hookline.testing.CliRun;
import dev.hookline.testing.Fixture;
import dev.hookline.testing.LogCapture;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver.Reply;
import dev.hookline.testing.SchemaVersions;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker running when a newer build migrates the schema past what it may work with (here: a
 * migration one above this build's newest, saying it needs workers of its own version): it stops
 * claiming while the attempt it has on the wire finishes, says so once at ERROR, in readiness and
 * in {@code hookline_schema_incompatible}, and claims again when the schema allows it. A worker
 * starting against such a schema does not start.
 */
@ExtendWith(VertxExtension.class)
@Timeout(90)
class IncompatibleSchemaTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String TOKEN = "schema-check-operator-token";
  private static final int LATEST = Integer.parseInt(SchemaVersions.latest());

  private Fixture fixture;
  private TestInfra infra;
  private ApiClient api;
  private LogCapture log;
  private final Promise<Void> release = Promise.promise();

  @BeforeEach
  void setUp(Vertx vertx) {
    fixture = Fixture.create(vertx);
    infra = fixture.infra;
    log = LogCapture.ofDebug(SchemaCompatibility.class);
  }

  @AfterEach
  void tearDown() {
    release.tryComplete();
    log.close();
    if (api != null) {
      api.close();
    }
    fixture.close();
  }

  /** What a newer build's migration does first (V14's rule), and what Flyway records when it ends. */
  private void migratedByANewerBuild(int version, int oldestWorker) {
    infra.sql("INSERT INTO hookline_schema_compat (version, oldest_worker, note) VALUES (?, ?, 'a newer build')",
        version, oldestWorker);
    infra.sql("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
        + " installed_by, execution_time, success) SELECT max(installed_rank) + 1, ?, 'from a newer build', 'SQL',"
        + " 'V' || ? || '__from_a_newer_build.sql', 0, current_user, 1, true FROM flyway_schema_history",
        Integer.toString(version), Integer.toString(version));
  }

  private long created(String path, long run) {
    HttpResponse<Buffer> created = api.post("/v1/deliveries", Messages.create(7, run, "node-1",
        fixture.receiver.url(path)));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getLong("deliveryId");
  }

  private List<Object> row(long id) {
    return infra.sql("SELECT status, attempt_count FROM webhook_deliveries WHERE id = ?", id).get(0);
  }

  private JsonObject ready() {
    HttpResponse<Buffer> response = api.get("/health/ready");
    return response.bodyAsJsonObject().put("httpStatus", response.statusCode());
  }

  private String scrape() {
    return api.get("/metrics").bodyAsString();
  }

  private long checks() {
    return log.events().stream().filter(e -> e.getLevel() == Level.DEBUG
        && e.getFormattedMessage().startsWith("schema compatibility check")).count();
  }

  @Test
  void aRunningWorkerStopsClaimingWhenTheSchemaOutgrowsItAndFinishesWhatIsOnTheWire(Vertx vertx) {
    JsonObject config = infra.config();
    config.getJsonObject("postgres").put("schemaCheckSeconds", 0.2);
    config.getJsonObject("http").put("apiTokens", new JsonArray().add(TOKEN));
    Hookline hookline = fixture.startWithConfig(vertx, config);
    api = new ApiClient(vertx, hookline, TOKEN);
    fixture.receiver.behave(r -> r.path().equals("/held") ? Reply.heldUntil(release.future(), 200) : Reply.status(200));
    long onTheWire = created("/held", 1);
    Await.until("the first delivery at the receiver", WAIT, () -> fixture.receiver.requestsTo("/held").size() == 1);

    migratedByANewerBuild(LATEST + 1, LATEST + 1);

    Await.until("readiness to report the schema", WAIT, () -> ready().getInteger("httpStatus") == 503,
        () -> ready().encode());
    assertThat(ready().getJsonObject("checks").getString("migrations"))
        .contains("claiming nothing").contains("schema is at v" + (LATEST + 1))
        .contains("newest migration is v" + LATEST);
    assertThat(scrape()).contains("hookline_schema_incompatible 1.0");
    long waiting = created("/later", 2);
    // The attempt on the wire finishes and is recorded; its end also sets the pump looking for work.
    release.complete();
    Await.until("the attempt on the wire to be recorded", WAIT, () -> "succeeded".equals(row(onTheWire).get(0)));
    long checksBefore = checks();
    Await.until("three more compatibility checks", WAIT, () -> checks() >= checksBefore + 3);

    assertThat(row(waiting)).as("created, never claimed").containsExactly("pending", 0);
    assertThat(fixture.receiver.requestsTo("/later")).isEmpty();
    assertThat(log.events().stream().filter(e -> e.getLevel() == Level.ERROR).map(e -> e.getFormattedMessage()))
        .as("said once, however many checks").singleElement().asString()
        .contains("stopped claiming").contains("schema is at v" + (LATEST + 1));

    // The newer build's migration is undone (or a newer row allows this build): claims go on.
    Instant allowed = ((Timestamp) infra.sql("SELECT now()").get(0).get(0)).toInstant();
    infra.sql("UPDATE hookline_schema_compat SET oldest_worker = ? WHERE version = ?", LATEST, LATEST + 1);
    Await.until("the waiting delivery to be sent", WAIT, () -> "succeeded".equals(row(waiting).get(0)));
    assertThat(((Timestamp) infra.sql("SELECT started_at FROM webhook_delivery_attempts WHERE delivery_id = ?",
        waiting).get(0).get(0)).toInstant()).as("its attempt began after claims were allowed again")
        .isAfterOrEqualTo(allowed);
    assertThat(row(waiting)).containsExactly("succeeded", 1);
    Await.until("readiness up", WAIT, () -> ready().getInteger("httpStatus") == 200, () -> ready().encode());
    assertThat(scrape()).contains("hookline_schema_incompatible 0.0");
    assertThat(log.events().stream().filter(e -> e.getLevel() == Level.INFO).map(e -> e.getFormattedMessage()))
        .anySatisfy(line -> assertThat(line).contains("claiming deliveries again"));
  }

  @Test
  void aWorkerDoesNotStartAgainstASchemaItMayNotWorkWith(@TempDir Path dir) throws Exception {
    dev.hookline.store.Migrations.apply(io.vertx.pgclient.PgConnectOptions.fromUri(infra.postgresUrl()));
    migratedByANewerBuild(LATEST + 1, LATEST + 1);
    Path conf = dir.resolve("hookline.json");
    Files.writeString(conf, infra.config().encodePrettily());

    CliRun run = CliRun.of("run", "-conf", conf.toString());

    assertThat(run.exit()).as(run.toString()).isEqualTo(1);
    assertThat(run.err()).contains("refusing to start").contains("schema is at v" + (LATEST + 1))
        .contains("newest migration is v" + LATEST).contains("docs/operations.md#upgrading");
  }
}
