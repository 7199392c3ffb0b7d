package dev.hookline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hookline.testing.CliRun;
import dev.hookline.testing.TestInfra;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A small bench run: a correctness check of the result, not a timing assertion. */
@Timeout(300)
class BenchCommandTest {
  @TempDir
  Path dir;

  @Test
  void aBatchedRunWithWarmUpDeliversEverythingAndPrintsACompleteResult() throws IOException, SQLException {
    JsonObject result = bench("--deliveries", "3000", "--batch", "100", "--concurrency", "1000", "--warmup", "500",
        "--max-pending", "1500");

    assertComplete(result, 3000);
    assertThat(result.getInteger("batch")).isEqualTo(100);
    assertThat(result.getInteger("warmup")).isEqualTo(500);
    assertThat(result.getInteger("maxPending")).isEqualTo(1500);
    // Batched creates, claims and outcome writes: far fewer transactions than deliveries.
    assertThat(result.getDouble("postgresTransactionsPerDelivery")).isLessThan(1.0);
  }

  @Test
  void aSingleCreateRunAtAFixedRateDeliversEverything() throws IOException, SQLException {
    JsonObject result = bench("--deliveries", "1000", "--rate", "1000", "--concurrency", "64");

    assertComplete(result, 1000);
    assertThat(result.getInteger("batch")).isEqualTo(1);
    assertThat(result.getInteger("rate")).isEqualTo(1000);
  }

  @Test
  void anEmbeddedRunNeedsNoServersAndTakesItsTimelineInTheGivenSteps() throws IOException {
    // The configured Postgres and Redis are unreachable on purpose: --embedded must not touch them.
    JsonObject result = bench(config("postgresql://postgres@127.0.0.1:1/postgres", "redis://127.0.0.1:1"),
        "--embedded", "--deliveries", "300", "--batch", "100", "--timeline-step", "1");

    assertThat(result.getLong("failures")).isZero();
    assertThat(result.getLong("attempts")).isEqualTo(300);
    assertThat(result.getJsonObject("timeline").getInteger("stepSeconds")).isEqualTo(1);
    assertTimeline(result, 300);
  }

  @Test
  void twoWorkerProcessesShareTheRunAndTheServersCostIsCountedPerDelivery() throws IOException, SQLException {
    JsonObject result = bench("--deliveries", "2000", "--batch", "100", "--concurrency", "1000",
        "--max-pending", "1000", "--workers", "2", "--server-stats");

    assertComplete(result, 2000);
    JsonObject workers = result.getJsonObject("workers");
    assertThat(workers.getInteger("processes")).isEqualTo(2);
    // Every process's CPU, the bench's own included (rounded to 0.01 s: a second worker that got
    // little of a 2,000-delivery run may add less than that).
    assertThat(workers.getDouble("cpuSeconds")).isGreaterThanOrEqualTo(result.getDouble("cpuSeconds"));
    // Per-database counters, so exact even on a shared server: one insert, a claim and an outcome
    // write per delivery, one attempt-log row. The claim is HOT where its page has room (a batch
    // claimed right after its insert can fill a page), the outcome never is.
    JsonObject deliveriesTable = result.getJsonObject("servers").getJsonObject("postgres")
        .getJsonObject("tables").getJsonObject("webhook_deliveries");
    assertThat(deliveriesTable.getDouble("inserts")).isEqualTo(1.0);
    assertThat(deliveriesTable.getDouble("updates")).isEqualTo(2.0);
    double hot = deliveriesTable.getDouble("hotUpdates");
    assertThat(hot).isPositive().isLessThanOrEqualTo(1.0);
    // 3 full btrees and two pending-only ones (the due index, and (organization, origin) for the 410
    // path); the BRIN index on created_at writes no entry per row.
    assertThat(deliveriesTable.getJsonObject("indexes").getMap())
        .containsExactlyInAnyOrderEntriesOf(Map.of("full", 3, "pendingOnly", 2, "summarizing", 1));
    // Insert 5, outcome 3 (a final row has no pending-only entry), a claim that was not HOT 5.
    assertThat(deliveriesTable.getDouble("indexEntries")).isCloseTo(8 + 5 * (1 - hot), within(0.01));
    assertThat(result.getJsonObject("servers").getJsonObject("postgres").getDouble("walBytesPerDelivery")).isPositive();
    assertThat(result.getJsonObject("servers").getJsonObject("redis").getJsonObject("commands").getDouble("zadd"))
        .isPositive();
  }

  private JsonObject bench(String... options) throws IOException {
    return bench(config("postgresql://postgres@127.0.0.1:5432/postgres", TestInfra.REDIS_URL), options);
  }

  private Path config(String postgresUrl, String redisUrl) throws IOException {
    Path conf = dir.resolve("bench.json");
    Files.writeString(conf, new JsonObject()
        .put("postgres", new JsonObject().put("url", postgresUrl))
        .put("redis", new JsonObject().put("url", redisUrl).put("keyPrefix", "hltest-bench"))
        .encode());
    return conf;
  }

  private static JsonObject bench(Path conf, String... options) {
    String[] args = new String[options.length + 3];
    args[0] = "bench";
    System.arraycopy(options, 0, args, 1, options.length);
    args[options.length + 1] = "-conf";
    args[options.length + 2] = conf.toString();

    CliRun run = CliRun.of(args);

    assertThat(run.exit()).as("%s", run).isZero();
    String[] lines = run.out().strip().split("\\R");
    return new JsonObject(lines[lines.length - 1]);
  }

  private static void assertComplete(JsonObject result, int deliveries) throws SQLException {
    assertThat(result.getInteger("deliveries")).isEqualTo(deliveries);
    assertThat(result.getLong("failures")).isZero();
    assertThat(result.getLong("attempts")).as("measured rows only, warm-up excluded").isEqualTo(deliveries);
    assertThat(result.getDouble("deliveriesPerSecond")).isPositive();
    assertThat(result.getDouble("ingestPerSecond")).isPositive();
    JsonObject latency = result.getJsonObject("latencyMs");
    assertThat(latency.fieldNames()).containsExactlyInAnyOrder("p50", "p95", "p99", "max");
    assertThat(latency.getDouble("p50")).isPositive();
    assertThat(latency.getDouble("max")).isGreaterThanOrEqualTo(latency.getDouble("p99"));
    assertThat(latency.getDouble("p99")).isGreaterThanOrEqualTo(latency.getDouble("p50"));
    assertThat(result.getLong("postgresTransactions")).isPositive();
    assertThat(result.getDouble("postgresTransactionsPerDelivery")).isPositive();
    assertThat(result.getDouble("cpuSeconds")).isPositive();
    assertThat(result.getDouble("peakHeapMb")).isPositive();
    assertThat(result.getDouble("machineCpuSeconds")).isGreaterThanOrEqualTo(result.getDouble("cpuSeconds") * 0.5);
    JsonObject windows = result.getJsonObject("windows");
    assertThat(windows.getInteger("size")).isEqualTo(deliveries / 10);
    assertThat(windows.getDouble("firstPerSecond")).isPositive();
    assertThat(windows.getDouble("lastPerSecond")).isPositive();
    assertThat(result.containsKey("nativeTransport")).isTrue();
    assertTimeline(result, deliveries);
    assertThat(databaseExists(result.getString("database"))).as("the bench database is dropped afterwards").isFalse();
  }

  /** Every measured delivery is in exactly one slice, and the JVM was ready before the window began. */
  private static void assertTimeline(JsonObject result, int deliveries) {
    JsonObject timeline = result.getJsonObject("timeline");
    int step = timeline.getInteger("stepSeconds");
    double total = timeline.getJsonArray("perSecond").stream().mapToDouble(p -> ((Number) p).doubleValue() * step).sum();
    assertThat(total).isCloseTo(deliveries, org.assertj.core.data.Offset.offset(1.0));
    JsonObject jvm = result.getJsonObject("jvm");
    assertThat(jvm.getDouble("readySeconds")).isPositive();
    assertThat(jvm.getDouble("measuredFromSeconds")).isGreaterThanOrEqualTo(jvm.getDouble("readySeconds"));
    assertThat(jvm.getDouble("jitSeconds")).isPositive();
  }

  private static boolean databaseExists(String name) throws SQLException {
    try (Connection conn = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", null);
         var statement = conn.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      statement.setString(1, name);
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next();
      }
    }
  }
}
