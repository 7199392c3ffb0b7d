package dev.hookline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.queue.DueQueue;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.CliRun;
import dev.hookline.testing.PomVersion;
import dev.hookline.testing.SchemaVersions;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The picocli command line run in-process against a private database and key prefix, with its
 * output captured. The machine environment is never passed in, so it cannot change the outcome.
 * {@code run} is only ever asked for its help, or pointed at a Postgres it cannot reach: otherwise
 * it would start a server.
 */
@ExtendWith(VertxExtension.class)
class CliTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final int SHARDS = 3;
  private static final String INSERT = "INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
      + " webhook_node_id, endpoint_url, http_method, payload, status, max_attempts, created_at)"
      + " VALUES (gen_random_uuid(), ?, ?, 'n', 'https://r.example.com/', 'POST', '{}', ?, 5,"
      + " now() - make_interval(secs => ?)) RETURNING id";

  @TempDir
  Path dir;

  private TestInfra infra;
  private Path conf;
  private long nextRun = 1;

  @BeforeEach
  void setUp() throws IOException {
    infra = DATABASE.infra();
    conf = confFor(infra);
  }

  /** A config file naming {@code infra}'s database and key prefix. */
  private Path confFor(TestInfra infra) throws IOException {
    Path file = dir.resolve("hookline-" + infra.database + ".json");
    Files.writeString(file, new JsonObject()
        .put("postgres", new JsonObject().put("url", infra.postgresUrl()))
        .put("redis", new JsonObject().put("url", TestInfra.REDIS_URL).put("keyPrefix", infra.keyPrefix)
            .put("shards", SHARDS))
        .encodePrettily());
    return file;
  }


  /** The command followed by {@code -conf <the test config>} and then {@code more}. */
  private CliRun withConf(String command, String... more) {
    List<String> args = new ArrayList<>(List.of(command, "-conf", conf.toString()));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  private void migrate() {
    CliRun result = withConf("migrate");
    assertThat(result.exit()).as("%s", result).isZero();
  }

  private long insert(long organizationId, String status, long secondsAgo) {
    List<List<Object>> rows = infra.sql(INSERT, organizationId, nextRun++, status, (double) secondsAgo);
    return ((Number) rows.get(0).get(0)).longValue();
  }

  private static Map<String, Long> longs(JsonObject json) {
    return json.getMap().entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> ((Number) e.getValue()).longValue()));
  }

  private String uuidOf(long id) {
    return (String) infra.sql("SELECT delivery_uuid::text FROM webhook_deliveries WHERE id = ?", id).get(0).get(0);
  }

  private String statusOf(long id) {
    return (String) infra.sql("SELECT status FROM webhook_deliveries WHERE id = ?", id).get(0).get(0);
  }

  // ---------------------------------------------------------------- help

  @Test
  void rootHelpListsTheCommands() {
    CliRun result = CliRun.of("--help");

    assertThat(result.exit()).as("%s", result).isZero();
    assertThat(result.out()).contains("Usage: hookline").contains("run").contains("migrate").contains("stats")
        .contains("retry").contains("resend").contains("--help").contains("--version");
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void versionIsThePomsOnEveryCommand() {
    String expected = "Hookline " + PomVersion.read();

    for (String[] args : List.of(new String[] {"--version"}, new String[] {"-V"}, new String[] {"stats", "--version"})) {
      CliRun result = CliRun.of(args);

      assertThat(result.exit()).as("%s", result).isZero();
      assertThat(result.out().strip()).as(String.join(" ", args)).isEqualTo(expected);
    }
  }

  @Test
  void runHelpNamesTheCommandAndItsOptions() {
    CliRun result = CliRun.of("run", "--help");

    assertThat(result.exit()).as("%s", result).isZero();
    assertThat(result.out()).contains("Usage: hookline run").contains("-conf").contains("--cluster").contains("--help");
  }

  @Test
  void migrateHelpNamesTheCommandAndItsOptions() {
    CliRun result = CliRun.of("migrate", "--help");

    assertThat(result.exit()).as("%s", result).isZero();
    assertThat(result.out()).contains("Usage: hookline migrate").contains("-conf").contains("--help");
  }

  @Test
  void statsHelpNamesTheCommandAndItsOptions() {
    CliRun result = CliRun.of("stats", "--help");

    assertThat(result.exit()).as("%s", result).isZero();
    assertThat(result.out()).contains("Usage: hookline stats").contains("-conf").contains("--json").contains("--help");
  }

  @Test
  void retryHelpNamesTheCommandAndItsOptions() {
    CliRun result = CliRun.of("retry", "--help");

    assertThat(result.exit()).as("%s", result).isZero();
    assertThat(result.out()).contains("Usage: hookline retry").contains("-conf").contains("--status")
        .contains("--org").contains("--since").contains("--help");
  }

  // ---------------------------------------------------------------- migrate

  @Test
  void migrateBringsAFreshDatabaseToTheLatestVersionAndIsIdempotent() throws IOException {
    // A database of its own: the class's is migrated already.
    try (TestInfra fresh = TestInfra.create()) {
      String freshConf = confFor(fresh).toString();
      CliRun first = CliRun.of("migrate", "-conf", freshConf);

      assertThat(first.exit()).as("%s", first).isZero();
      assertThat(first.out()).contains("is at version " + SchemaVersions.latest()).contains(fresh.database);
      List<Object> versions = fresh.sql("SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank")
          .stream().map(row -> row.get(0)).toList();
      assertThat(versions).containsExactlyElementsOf(SchemaVersions.all());

      CliRun second = CliRun.of("migrate", "-conf", freshConf);

      assertThat(second.exit()).as("%s", second).isZero();
      assertThat(second.out()).isEqualTo(first.out());
      assertThat(fresh.sql("SELECT count(*) FROM flyway_schema_history").get(0).get(0)).isEqualTo((long) versions.size());
    }
  }

  // ---------------------------------------------------------------- stats

  @Test
  void statsOnADatabaseNobodyMigratedSaysToMigrate() throws IOException {
    try (TestInfra fresh = TestInfra.create()) {
      CliRun result = CliRun.of("stats", "-conf", confFor(fresh).toString());

      assertThat(result.exit()).as("%s", result).isEqualTo(1);
      assertThat(result.err()).contains("has no Hookline tables yet").contains(fresh.database)
          .contains("java -jar hookline.jar migrate").doesNotContain("does not exist");
    }
  }

  @Test
  void statsReportsCountsQueueDepthAndTheOldestPendingAge(Vertx vertx) {
    migrate();
    long oldPending = insert(7, "pending", 120);
    long pending = insert(7, "pending", 0);
    insert(7, "pending", 0);
    for (int i = 0; i < 2; i++) {
      insert(7, "succeeded", 0);
    }
    for (int i = 0; i < 4; i++) {
      insert(8, "dead_letter", 0);
    }
    insert(9, "cancelled", 0);
    Redis redis = DueQueue.createClient(vertx, TestInfra.REDIS_URL, 1);
    try {
      DueQueue queue = new DueQueue(redis, infra.keyPrefix, SHARDS);
      queue.enqueue(oldPending, System.currentTimeMillis()).await();
      queue.enqueue(pending, System.currentTimeMillis() + 60_000).await();
    } finally {
      redis.close().await();
    }

    CliRun json = withConf("stats", "--json");

    assertThat(json.exit()).as("%s", json).isZero();
    List<String> lines = json.out().lines().filter(line -> !line.isBlank()).toList();
    assertThat(lines).as("one JSON line on stdout: %s", json).hasSize(1);
    JsonObject stats = new JsonObject(lines.get(0));
    assertThat(longs(stats.getJsonObject("deliveries"))).containsOnly(
        Map.entry("pending", 3L), Map.entry("succeeded", 2L), Map.entry("dead_letter", 4L), Map.entry("cancelled", 1L),
        Map.entry("expired", 0L));
    JsonObject depth = stats.getJsonObject("queueDepth");
    assertThat(depth.getLong("total")).isEqualTo(2L);
    JsonArray shards = depth.getJsonArray("shards");
    assertThat(shards).hasSize(SHARDS);
    assertThat(shards.stream().mapToLong(n -> ((Number) n).longValue()).sum()).isEqualTo(2L);
    assertThat(stats.getDouble("oldestPendingAgeSeconds")).isBetween(119.0, 200.0);

    CliRun table = withConf("stats");

    assertThat(table.exit()).as("%s", table).isZero();
    assertThat(table.out()).contains("dead_letter").contains("4").contains("queue depth").contains("oldest pending");
    assertThat(table.out().lines().filter(line -> line.contains("dead_letter")).findFirst().orElseThrow())
        .matches("\\s*dead_letter\\s+4\\s*");
  }

  // ---------------------------------------------------------------- retry

  @Test
  void retryReplaysTheMatchingDeadLettersWithAFreshBudgetAndQueuesThem(Vertx vertx) {
    migrate();
    long recentA = insert(7, "dead_letter", 3_600);
    long recentB = insert(7, "dead_letter", 60);
    long tenDaysOld = insert(7, "dead_letter", 10 * 86_400);
    long otherOrg = insert(8, "dead_letter", 60);
    long succeeded = insert(7, "succeeded", 60);
    infra.sql("UPDATE webhook_deliveries SET attempt_count = 5, scheduled_for = now() - interval '1 hour'");

    CliRun result = withConf("retry", "--status", "dead_letter", "--org", "7", "--since", "2d");

    assertThat(result.exit()).as("%s", result).isZero();
    assertThat(result.out()).contains("retried 2 dead letters");
    for (long id : List.of(recentA, recentB)) {
      List<Object> row = infra.sql("SELECT status, attempt_count, max_attempts, scheduled_for <= now()"
          + " FROM webhook_deliveries WHERE id = ?", id).get(0);
      assertThat(row).as("row %d", id).containsExactly("pending", 5, 10, true);
    }
    assertThat(statusOf(tenDaysOld)).isEqualTo("dead_letter");
    assertThat(statusOf(otherOrg)).isEqualTo("dead_letter");
    assertThat(statusOf(succeeded)).isEqualTo("succeeded");
    Redis redis = DueQueue.createClient(vertx, TestInfra.REDIS_URL, 1);
    try {
      DueQueue queue = new DueQueue(redis, infra.keyPrefix, SHARDS);
      long now = System.currentTimeMillis();
      for (long id : List.of(recentA, recentB)) {
        assertThat(queue.scoreOf(id).await()).as("queued score of %d", id).isNotNull().isLessThanOrEqualTo(now);
      }
      assertThat(queue.scoreOf(tenDaysOld).await()).isNull();
      assertThat(queue.scoreOf(otherOrg).await()).isNull();

      CliRun all = withConf("retry", "--status", "dead_letter");

      assertThat(all.exit()).as("%s", all).isZero();
      assertThat(all.out()).contains("retried 2 dead letters");
      assertThat(infra.count("status = 'dead_letter'")).isZero();
      assertThat(infra.count("status = 'pending'")).isEqualTo(4);
      assertThat(queue.scoreOf(tenDaysOld).await()).isNotNull();
      assertThat(queue.scoreOf(otherOrg).await()).isNotNull();
      assertThat(queue.size().await()).isEqualTo(4L);
    } finally {
      redis.close().await();
    }
  }

  @Test
  void sinceAcceptsAnIsoInstant() {
    migrate();
    long recent = insert(7, "dead_letter", 3_600);
    long old = insert(7, "dead_letter", 3 * 86_400);
    String since = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();

    CliRun result = withConf("retry", "--status", "dead_letter", "--since", since);

    assertThat(result.exit()).as("%s", result).isZero();
    assertThat(result.out()).contains("retried 1 dead letters");
    assertThat(statusOf(recent)).isEqualTo("pending");
    assertThat(statusOf(old)).isEqualTo("dead_letter");
  }

  @Test
  void sinceAcceptsADate() {
    migrate();
    long recent = insert(7, "dead_letter", 60);
    long beforeTheDate = insert(7, "dead_letter", 3 * 86_400 + 3_600);

    CliRun fixedDate = withConf("retry", "--status", "dead_letter", "--since", "2026-01-01");

    assertThat(fixedDate.exit()).as("%s", fixedDate).isZero();
    assertThat(fixedDate.out()).matches("(?s)retried \\d+ dead letters\\s*");

    // A date means midnight UTC, so a row from three days ago is before "two days ago" as a date.
    infra.sql("UPDATE webhook_deliveries SET status = 'dead_letter'");
    String twoDaysAgo = Instant.now().minus(2, ChronoUnit.DAYS).toString().substring(0, 10);

    CliRun result = withConf("retry", "--status", "dead_letter", "--since", twoDaysAgo);

    assertThat(result.exit()).as("%s", result).isZero();
    assertThat(result.out()).contains("retried 1 dead letters");
    assertThat(statusOf(recent)).isEqualTo("pending");
    assertThat(statusOf(beforeTheDate)).isEqualTo("dead_letter");
  }

  @Test
  void retryOfAnyOtherStatusIsAUsageError() {
    migrate();
    long pending = insert(7, "pending", 60);

    CliRun result = withConf("retry", "--status", "pending");

    assertThat(result.exit()).as("%s", result).isEqualTo(HooklineCli.USAGE);
    assertThat(result.err()).contains("only dead_letter");
    assertThat(statusOf(pending)).isEqualTo("pending");
  }

  @Test
  void retryWithoutStatusIsAUsageError() {
    CliRun result = withConf("retry");

    assertThat(result.exit()).as("%s", result).isEqualTo(HooklineCli.USAGE);
    assertThat(result.err()).contains("--status");
  }

  @Test
  void anUnreadableSinceIsAUsageError() {
    migrate();
    long deadLetter = insert(7, "dead_letter", 60);

    CliRun result = withConf("retry", "--status", "dead_letter", "--since", "yesterday");

    assertThat(result.exit()).as("%s", result).isEqualTo(HooklineCli.USAGE);
    assertThat(result.err()).contains("--since").contains("yesterday");
    assertThat(statusOf(deadLetter)).isEqualTo("dead_letter");
  }

  // ---------------------------------------------------------------- resend

  @Test
  void resendHelpNamesTheCommandAndItsOptions() {
    CliRun result = CliRun.of("resend", "--help");

    assertThat(result.exit()).as("%s", result).isZero();
    assertThat(result.out()).contains("Usage: hookline resend").contains("-conf").contains("--uuid").contains("--status")
        .contains("--run").contains("--org").contains("--since").contains("--help");
  }

  @Test
  void resendPutsTheMatchingFinalDeliveriesBackWithAFreshBudgetAndQueuesThem(Vertx vertx) {
    migrate();
    long succeeded = insert(7, "succeeded", 60);
    long cancelled = insert(7, "cancelled", 60);
    long expired = insert(7, "expired", 60);
    long deadLetter = insert(7, "dead_letter", 60);
    long otherOrg = insert(8, "succeeded", 60);
    long pending = insert(7, "pending", 60);
    infra.sql("UPDATE webhook_deliveries SET attempt_count = 2, recorded_attempts = 2,"
        + " scheduled_for = '2100-01-01T00:00:00Z' WHERE status <> 'pending'");
    infra.sql("UPDATE webhook_deliveries SET scheduled_for = '2100-01-01T00:00:00Z' WHERE status = 'pending'");

    CliRun bySucceeded = withConf("resend", "--status", "succeeded", "--org", "7");

    assertThat(bySucceeded.exit()).as("%s", bySucceeded).isZero();
    assertThat(bySucceeded.out()).contains("resent 1 delivery");
    assertThat(statusOf(cancelled)).isEqualTo("cancelled");

    CliRun byOrg = withConf("resend", "--org", "7", "--since", "1h");

    assertThat(byOrg.exit()).as("%s", byOrg).isZero();
    assertThat(byOrg.out()).as("every final status but the one already resent").contains("resent 3 deliveries");
    for (long id : List.of(succeeded, cancelled, expired, deadLetter)) {
      List<Object> row = infra.sql("SELECT status, attempt_count, max_attempts, recorded_attempts, scheduled_for <= now()"
          + " FROM webhook_deliveries WHERE id = ?", id).get(0);
      assertThat(row).as("row %d", id).containsExactly("pending", 2, 2 + 5, 0, true);
    }
    assertThat(statusOf(otherOrg)).isEqualTo("succeeded");
    assertThat(infra.sql("SELECT scheduled_for > now() FROM webhook_deliveries WHERE id = ?", pending).get(0).get(0))
        .as("the pending row untouched").isEqualTo(true);
    Redis redis = DueQueue.createClient(vertx, TestInfra.REDIS_URL, 1);
    try {
      DueQueue queue = new DueQueue(redis, infra.keyPrefix, SHARDS);
      long now = System.currentTimeMillis();
      for (long id : List.of(succeeded, cancelled, expired, deadLetter)) {
        assertThat(queue.scoreOf(id).await()).as("queued score of %d", id).isNotNull().isLessThanOrEqualTo(now);
      }
      assertThat(queue.scoreOf(otherOrg).await()).isNull();
      assertThat(queue.scoreOf(pending).await()).isNull();
    } finally {
      redis.close().await();
    }

    String otherUuid = uuidOf(otherOrg);
    CliRun one = withConf("resend", "--uuid", otherUuid);

    assertThat(one.exit()).as("%s", one).isZero();
    assertThat(one.out()).contains("resent 1 delivery");
    assertThat(statusOf(otherOrg)).isEqualTo("pending");

    CliRun again = withConf("resend", "--uuid", otherUuid);

    assertThat(again.exit()).as("%s", again).isEqualTo(1);
    assertThat(again.err()).contains("it is pending");
    CliRun unknown = withConf("resend", "--uuid", "00000000-0000-0000-0000-000000000000");
    assertThat(unknown.exit()).as("%s", unknown).isEqualTo(1);
    assertThat(unknown.err()).contains("no delivery 00000000-0000-0000-0000-000000000000");
  }

  @Test
  void resendRefusesAPendingStatusAUuidWithFiltersAndABadUuid() {
    for (String[] args : List.of(new String[] {"--status", "pending"}, new String[] {"--status", "lost"},
        new String[] {"--uuid", "00000000-0000-0000-0000-000000000000", "--org", "7"}, new String[] {"--uuid", "x"},
        new String[] {"--since", "yesterday"})) {
      CliRun result = withConf("resend", args);

      assertThat(result.exit()).as("%s", result).isEqualTo(HooklineCli.USAGE);
      assertThat(result.err()).as(String.join(" ", args)).contains(args[0]);
    }
  }

  @Test
  void retryAndResendLeaveEventRowsAloneUnlessKindEventIsNamed() {
    migrate();
    long deadDelivery = insert(7, "dead_letter", 60);
    long deadEvent = insert(7, "dead_letter", 60);
    long succeededEvent = insert(7, "succeeded", 60);
    infra.sql("UPDATE webhook_deliveries SET kind = 'event' WHERE id IN (?, ?)", deadEvent, succeededEvent);
    infra.sql("UPDATE webhook_deliveries SET scheduled_for = '2100-01-01T00:00:00Z'");

    CliRun retry = withConf("retry", "--status", "dead_letter");

    assertThat(retry.exit()).as("%s", retry).isZero();
    assertThat(retry.out()).contains("retried 1 dead letters");
    assertThat(statusOf(deadDelivery)).isEqualTo("pending");
    assertThat(statusOf(deadEvent)).isEqualTo("dead_letter");

    CliRun resend = withConf("resend");

    assertThat(resend.exit()).as("%s", resend).isZero();
    assertThat(resend.out()).as("no final delivery row is left; the event rows are not taken").contains("resent 0 deliveries");
    assertThat(statusOf(succeededEvent)).isEqualTo("succeeded");

    CliRun retryEvents = withConf("retry", "--status", "dead_letter", "--kind", "event");

    assertThat(retryEvents.exit()).as("%s", retryEvents).isZero();
    assertThat(retryEvents.out()).contains("retried 1 dead letters");
    assertThat(statusOf(deadEvent)).isEqualTo("pending");
    assertThat(statusOf(succeededEvent)).isEqualTo("succeeded");

    CliRun resendEvents = withConf("resend", "--kind", "event");

    assertThat(resendEvents.exit()).as("%s", resendEvents).isZero();
    assertThat(resendEvents.out()).contains("resent 1 delivery");
    assertThat(statusOf(succeededEvent)).isEqualTo("pending");

    for (String[] args : List.of(new String[] {"resend", "--kind", "events"},
        new String[] {"retry", "--status", "dead_letter", "--kind", "all"},
        new String[] {"resend", "--uuid", uuidOf(deadEvent), "--kind", "event"})) {
      CliRun refused = withConf(args[0], Arrays.copyOfRange(args, 1, args.length));

      assertThat(refused.exit()).as("%s", refused).isEqualTo(HooklineCli.USAGE);
      assertThat(refused.err()).as(String.join(" ", args)).contains("--kind");
    }
  }

  // ---------------------------------------------------------------- configuration and arguments

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aMissingConfigFileIsAUsageErrorNamingTheFile() {
    Path missing = dir.resolve("no-such-config.json");

    CliRun result = CliRun.of("stats", "-conf", missing.toString());

    assertThat(result.exit()).as("%s", result).isEqualTo(HooklineCli.USAGE);
    assertThat(result.err()).contains("config file " + missing + " does not exist (path given with -conf/--conf");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aMissingConfigFileNamedByTheEnvironmentSaysSoAndWhereItWasLookedFor() {
    CliRun result = CliRun.withEnv(Map.of("HOOKLINE_CONFIG", "no-such-config.json"), "migrate");

    assertThat(result.exit()).as("%s", result).isEqualTo(HooklineCli.USAGE);
    assertThat(result.err()).contains("config file no-such-config.json does not exist (path from HOOKLINE_CONFIG,"
        + " looked for " + Path.of("no-such-config.json").toAbsolutePath() + ")");
  }

  @Test
  void anInvalidConfigIsAUsageErrorNamingTheKey() throws IOException {
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"delivery\":{\"maxAttempts\":0}}");

    for (String command : List.of("migrate", "stats")) {
      CliRun result = CliRun.of(command, "-conf", bad.toString());

      assertThat(result.exit()).as("%s: %s", command, result).isEqualTo(HooklineCli.USAGE);
      assertThat(result.err()).as(command).contains("delivery.maxAttempts");
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void unknownKeysAndVariablesStopStartUpNamingEveryOne() throws IOException {
    Path typo = dir.resolve("typo.json");
    Files.writeString(typo, "{\"delivery\": {\"maxAtempts\": 3}, \"retension\": {}}");

    CliRun result = CliRun.withEnv(Map.of("HOOKLINE_DELIVERY_MAX_ATEMPTS", "3", "HOOKLINE_CONFIG", typo.toString()), "run");

    assertThat(result.exit()).as("%s", result).isEqualTo(HooklineCli.USAGE);
    assertThat(result.err()).startsWith("Invalid configuration: ")
        .contains("unknown key delivery.maxAtempts (did you mean delivery.maxAttempts?)")
        .contains("unknown section retension (did you mean retention?)")
        .contains("unknown environment variable HOOKLINE_DELIVERY_MAX_ATEMPTS (did you mean HOOKLINE_DELIVERY_MAX_ATTEMPTS?)");
  }

  // ---------------------------------------------------------------- unreachable services

  /** A config file with {@code section.key} of the test config replaced. */
  private Path confWith(String section, String key, String value) throws IOException {
    JsonObject json = new JsonObject(Files.readString(conf));
    json.getJsonObject(section).put(key, value);
    Path file = dir.resolve("conf-" + section + "-" + key + ".json");
    Files.writeString(file, json.encode());
    return file;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aRedisThatRefusesIsNamedWithItsUrlWithoutThePasswordAndItsSetting() throws IOException {
    int port = freePort();
    Path file = confWith("redis", "url", "redis://:redis-s3cret@127.0.0.1:" + port);

    for (String[] command : List.of(new String[] {"stats"}, new String[] {"retry", "--status", "dead_letter"})) {
      CliRun result = CliRun.of(Stream.concat(Stream.of(command), Stream.of("-conf", file.toString())).toArray(String[]::new));

      assertThat(result.exit()).as("%s", result).isEqualTo(1);
      assertThat(result.err()).as(command[0])
          .contains("Redis at redis://:***@127.0.0.1:" + port + " cannot be reached: connection to 127.0.0.1:" + port
              + " was refused (is Redis running there?); check redis.url (HOOKLINE_REDIS_URL)")
          .doesNotContain("redis-s3cret");
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aPostgresThatRefusesIsNamedWithItsUrlWithoutThePasswordAndItsSetting() throws IOException {
    int port = freePort();
    Path file = confWith("postgres", "url", "postgresql://app:pg-s3cret@127.0.0.1:" + port + "/hooks");

    for (String command : List.of("migrate", "stats", "rotate-keys")) {
      CliRun result = CliRun.of(command, "-conf", file.toString());

      assertThat(result.exit()).as("%s", result).isEqualTo(1);
      assertThat(result.err()).as(command)
          .contains("Postgres at postgresql://app:***@127.0.0.1:" + port + "/hooks cannot be reached: connection to 127.0.0.1:"
              + port + " was refused (is Postgres running there?); check postgres.url (HOOKLINE_POSTGRES_URL)")
          .doesNotContain("pg-s3cret");
    }
  }

  /** {@code run} included: it stops at its migrations, before anything is served. */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aPostgresHostThatDoesNotResolveIsNamedWithItsSetting() throws IOException {
    Path file = confWith("postgres", "url", "postgresql://app:pg-s3cret@no-such-host.invalid:5432/hooks");

    for (String command : List.of("migrate", "stats", "run")) {
      CliRun result = CliRun.of(command, "-conf", file.toString());

      assertThat(result.exit()).as("%s", result).isEqualTo(1);
      assertThat(result.err()).as(command)
          .contains("Postgres at postgresql://app:***@no-such-host.invalid:5432/hooks cannot be reached: host"
              + " no-such-host.invalid could not be resolved; check postgres.url (HOOKLINE_POSTGRES_URL)")
          .doesNotContain("pg-s3cret");
    }
  }

  @Test
  void anUnknownOptionGoesToRunAndIsAUsageError() {
    CliRun result = CliRun.of("--bogus");

    assertThat(result.exit()).as("%s", result).isEqualTo(HooklineCli.USAGE);
    assertThat(result.err()).contains("--bogus");
  }

  @Test
  void theCountsInTheTableAndTheJsonAgree() {
    migrate();
    Stream.of("pending", "succeeded", "succeeded", "cancelled").forEach(status -> insert(7, status, 0));

    CliRun json = withConf("stats", "--json");
    CliRun table = withConf("stats");

    assertThat(json.exit()).as("%s", json).isZero();
    assertThat(table.exit()).as("%s", table).isZero();
    Map<String, Object> counts = new JsonObject(json.out().trim()).getJsonObject("deliveries").getMap();
    Map<String, String> fromTable = table.out().lines()
        .map(String::trim)
        .filter(line -> line.matches("(pending|succeeded|dead_letter|cancelled|expired)\\s+\\d+"))
        .map(line -> line.split("\\s+"))
        .collect(Collectors.toMap(parts -> parts[0], parts -> parts[1]));
    assertThat(fromTable).containsOnly(Map.entry("pending", "1"), Map.entry("succeeded", "2"),
        Map.entry("dead_letter", "0"), Map.entry("cancelled", "1"), Map.entry("expired", "0"));
    counts.forEach((status, count) -> assertThat(fromTable.get(status)).isEqualTo(String.valueOf(count)));
  }
}
