package dev.hookline.cli;

import com.sun.management.OperatingSystemMXBean;
import dev.hookline.Hookline;
import dev.hookline.intake.IntegrationVerticle;
import dev.hookline.queue.DueQueue;
import dev.hookline.store.Migrations;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Redis;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Runs Hookline in-process against a fresh database and key prefix, pushes N creates through the
 * event bus, waits until every delivery is final, and prints one JSON result. The measurement is
 * the product's own path: no part of it is mocked.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure end-to-end delivery throughput and latency on this machine.")
final class BenchCommand implements Callable<Integer> {
  @ParentCommand
  HooklineCli parent;

  @Mixin
  ConfigOption config;

  @Option(names = "--deliveries", required = true, paramLabel = "N", description = "How many deliveries to create")
  int deliveries;

  @Option(names = "--concurrency", paramLabel = "C", defaultValue = "256",
      description = "Creates awaiting their reply at once (default: ${DEFAULT-VALUE})")
  int concurrency;

  @Option(names = "--rate", paramLabel = "R", description = "Offer creates at this fixed rate per second (default: as fast as ingest allows)")
  Integer rate;

  @Option(names = "--receiver", paramLabel = "URL", description = "Receiver URL (default: an embedded Vert.x receiver answering 200)")
  String receiverUrl;

  @Option(names = "--batch", paramLabel = "B", defaultValue = "64",
      description = "Creates sent per round before waiting for room (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--keep", description = "Keep the bench database and Redis keys afterwards")
  boolean keep;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    ConfigOption.Loaded loaded = config.load(parent.env);
    PrintWriter out = spec.commandLine().getOut();
    String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    PgConnectOptions base = loaded.config().postgres().connectOptions();
    String database = "hookline_bench_" + suffix;
    String keyPrefix = loaded.config().redis().keyPrefix() + "-bench-" + suffix;

    Vertx vertx = Vertx.vertx();
    HttpServer embedded = null;
    Hookline hookline = null;
    try {
      String target = receiverUrl;
      if (target == null) {
        embedded = vertx.createHttpServer().requestHandler(request -> request.body()
            .onComplete(body -> request.response().setStatusCode(200).end())).listen(0, "127.0.0.1").await();
        target = "http://127.0.0.1:" + embedded.actualPort() + "/bench";
      }
      JsonObject json = loaded.json().copy();
      json.getJsonObject("postgres").put("url", withDatabase(loaded.config().postgres().url(), database));
      json.getJsonObject("redis").put("keyPrefix", keyPrefix);
      json.getJsonObject("http").put("port", 0);
      if (isLoopback(target)) {
        json.getJsonObject("security").put("allowedNetworks", new JsonArray().add("127.0.0.0/8").add("::1/128"));
      }
      hookline = Hookline.start(vertx, json).await();

      long xactBefore = transactions(base, database);
      long cpuBefore = cpuNanos();
      long started = System.nanoTime();
      long ingestNanos = create(vertx, target, out, started);
      waitUntilFinal(base, database, out, started);
      long elapsed = System.nanoTime() - started;
      Thread.sleep(700);
      long xacts = transactions(base, database) - xactBefore;

      JsonObject result = summary(base, database, elapsed, ingestNanos, xacts, cpuNanos() - cpuBefore, target);
      out.println(result.encode());
      out.flush();
      return 0;
    } finally {
      if (hookline != null) {
        hookline.stop().await();
      }
      if (embedded != null) {
        embedded.close().await();
      }
      if (!keep) {
        deleteKeys(vertx, loaded.config().redis().url(), keyPrefix, loaded.config().redis().shards());
        admin(base, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      }
      vertx.close().await();
    }
  }

  /** Sends the creates with at most {@code concurrency} awaiting replies; returns the ingest time. */
  private long create(Vertx vertx, String target, PrintWriter out, long started) throws InterruptedException {
    Semaphore room = new Semaphore(concurrency);
    AtomicLong failed = new AtomicLong();
    long nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(60_000);
    for (int sent = 0; sent < deliveries; ) {
      int round = Math.min(batch, deliveries - sent);
      for (int i = 0; i < round; i++, sent++) {
        if (rate != null) {
          long due = started + (long) (sent * 1_000_000_000d / rate);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
        room.acquire();
        vertx.eventBus().request(IntegrationVerticle.CREATE_ADDRESS, message(sent, target), options)
            .onComplete(reply -> {
              if (reply.failed()) {
                failed.incrementAndGet();
              }
              room.release();
            });
      }
      if (System.nanoTime() > nextProgress) {
        out.printf("progress: %d/%d created, %.1f s%n", sent, deliveries, (System.nanoTime() - started) / 1e9);
        out.flush();
        nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      }
    }
    room.acquire(concurrency);
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " creates failed");
    }
    return System.nanoTime() - started;
  }

  private static JsonObject message(int n, String target) {
    return new JsonObject()
        .put("organizationId", 1)
        .put("workflowRunId", 1_000_000L + n)
        .put("webhookNodeId", "bench")
        .put("webhook", new JsonObject()
            .put("name", "bench")
            .put("endpointUrl", target)
            .put("payloadTemplate", new JsonObject().put("event", "bench").put("run", "{{workflow_run_id}}")))
        .put("renderContext", new JsonObject().put("workflow_run_id", 1_000_000L + n));
  }

  private void waitUntilFinal(PgConnectOptions base, String database, PrintWriter out, long started)
      throws SQLException, InterruptedException {
    while (true) {
      long pending = single(base, database, "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'");
      if (pending == 0) {
        return;
      }
      out.printf("progress: %d/%d final, %.1f s%n", deliveries - pending, deliveries, (System.nanoTime() - started) / 1e9);
      out.flush();
      Thread.sleep(1_000);
    }
  }

  private JsonObject summary(PgConnectOptions base, String database, long elapsed, long ingest, long xacts, long cpu,
                             String target) throws SQLException {
    // Latency is create (row's created_at) to the receiver's answer (attempt start + duration), from the database clock.
    String latency = "SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ms), max(ms) FROM ("
        + " SELECT extract(epoch FROM a.started_at - d.created_at) * 1000 + a.duration_ms AS ms"
        + " FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"
        + " WHERE a.outcome = 'succeeded') t";
    JsonObject latencyMs = new JsonObject();
    try (Connection conn = Migrations.connect(base, database); Statement statement = conn.createStatement();
         ResultSet rs = statement.executeQuery(latency)) {
      rs.next();
      Double[] p = (Double[]) rs.getArray(1).getArray();
      latencyMs.put("p50", round(p[0])).put("p95", round(p[1])).put("p99", round(p[2])).put("max", round(rs.getDouble(2)));
    }
    long attempts = single(base, database, "SELECT coalesce(sum(attempt_count), 0) FROM webhook_deliveries");
    long failures = single(base, database, "SELECT count(*) FROM webhook_deliveries WHERE status <> 'succeeded'");
    double seconds = elapsed / 1e9;
    return new JsonObject()
        .put("deliveries", deliveries)
        .put("seconds", round(seconds))
        .put("deliveriesPerSecond", round(deliveries / seconds))
        .put("ingestPerSecond", round(deliveries / (ingest / 1e9)))
        .put("latencyMs", latencyMs)
        .put("attempts", attempts)
        .put("failures", failures)
        .put("postgresTransactions", xacts)
        .put("postgresTransactionsPerDelivery", round((double) xacts / deliveries))
        .put("cpuSeconds", round(cpu / 1e9))
        .put("peakHeapMb", round(peakHeapBytes() / 1_048_576d))
        .put("concurrency", concurrency)
        .put("rate", rate)
        .put("receiver", receiverUrl == null ? "embedded" : target)
        .put("database", database)
        .put("kept", keep);
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100d;
  }

  private static long cpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static long peakHeapBytes() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  private static long transactions(PgConnectOptions base, String database) throws SQLException {
    return single(base, "postgres", "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '"
        + database + "'");
  }

  private static long single(PgConnectOptions base, String database, String sql) throws SQLException {
    try (Connection conn = Migrations.connect(base, database); Statement statement = conn.createStatement();
         ResultSet rs = statement.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private static void admin(PgConnectOptions base, String sql) throws SQLException {
    try (Connection conn = Migrations.connect(base, "postgres"); Statement statement = conn.createStatement()) {
      statement.execute(sql);
    }
  }

  private static void deleteKeys(Vertx vertx, String url, String prefix, int shards) {
    Redis redis = DueQueue.createClient(vertx, url, 1);
    try {
      new DueQueue(redis, prefix, shards).clear().await();
    } finally {
      redis.close();
    }
  }

  static String withDatabase(String url, String database) {
    URI uri = URI.create(url);
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    String userInfo = uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo() + "@";
    String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
    return uri.getScheme() + "://" + userInfo + uri.getHost() + port + "/" + database + query;
  }

  private static boolean isLoopback(String url) {
    String host = URI.create(url).getHost();
    return host != null && (host.startsWith("127.") || host.equals("localhost") || host.equals("[::1]"));
  }

}
