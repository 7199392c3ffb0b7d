package dev.hookline.cli;

import com.sun.management.OperatingSystemMXBean;
import dev.hookline.Hookline;
import dev.hookline.config.HooklineConfig;
import dev.hookline.queue.DueQueue;
import dev.hookline.queue.Outage;
import dev.hookline.store.Migrations;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Redis;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
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
    description = {"Measure end-to-end delivery throughput and latency on this machine.",
        "Every delivery goes to one receiver, so delivery.maxInFlightPerOrigin is set to delivery.maxInFlight."})
final class BenchCommand implements Callable<Integer> {
  /**
   * Longer than a Postgres backend may hold its statistics back: one that goes idle within a second
   * of its last report waits 10 s (PGSTAT_IDLE_INTERVAL) before reporting again.
   */
  private static final long STATS_SETTLE_MILLIS = 11_000;

  @ParentCommand
  HooklineCli parent;

  @Mixin
  ConfigOption config;

  @Option(names = "--deliveries", required = true, paramLabel = "N", description = "How many deliveries to create")
  int deliveries;

  @Option(names = "--concurrency", paramLabel = "C", defaultValue = "512",
      description = "Creates awaiting their reply at once (default: ${DEFAULT-VALUE})")
  int concurrency;

  @Option(names = "--rate", paramLabel = "R", description = "Offer creates at this fixed rate per second (default: as fast as ingest allows)")
  Integer rate;

  @Option(names = "--receiver", paramLabel = "URL", description = "Receiver URL (default: an embedded Vert.x receiver answering 200)")
  String receiverUrl;

  @Option(names = "--batch", paramLabel = "B", defaultValue = "1",
      description = "Creates per hookline.delivery.create-batch message; 1 sends single creates (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--warmup", paramLabel = "W", defaultValue = "0",
      description = "Deliver W deliveries first, unpaced and unmeasured, so the JIT has compiled the hot path"
          + " (default: ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--max-pending", paramLabel = "P",
      description = "Never have more than P created deliveries not yet final: ingest then runs at delivery speed")
  Integer maxPending;

  @Option(names = "--workers", paramLabel = "N",
      description = "Deliver with N worker processes: this one and N-1 `run` processes it starts on the same"
          + " database, key prefix and receiver; how many are final is then read from Postgres every 100 ms"
          + " (for every N, so runs compare like for like)")
  Integer workers;

  @Option(names = "--server-stats",
      description = "Also report what the measured window cost Postgres and Redis per delivery (rows, index entries,"
          + " WAL, statements, commands, CPU); waits 11 s before and after it for Postgres's statistics")
  boolean serverStats;

  @Option(names = "--keep", description = "Keep the bench database and Redis keys afterwards")
  boolean keep;

  @Option(names = "--embedded",
      description = "Against an embedded PostgreSQL and Redis in a temporary directory, deleted afterwards (numbers"
          + " are not comparable with real servers; this is what the build's class-data-sharing training runs)")
  boolean embedded;

  @Option(names = "--timeline-step", paramLabel = "S", defaultValue = "5",
      description = "Seconds per entry of the result's timeline of final deliveries (default: ${DEFAULT-VALUE})")
  int timelineStep;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    ConfigOption.Loaded loaded = config.load(parent.env);
    PrintWriter out = spec.commandLine().getOut();
    if (timelineStep < 1) {
      throw new IllegalArgumentException("--timeline-step must be at least 1 (got " + timelineStep + ")");
    }
    Path embeddedDir = null;
    EmbeddedServices services = null;
    if (embedded) {
      // Blocking, before any Vert.x thread exists, as in `run --embedded`.
      embeddedDir = Files.createTempDirectory("hookline-bench-");
      services = EmbeddedServices.start(embeddedDir);
      loaded.json().getJsonObject("postgres").put("url", services.postgresUrl());
      loaded.json().getJsonObject("redis").put("url", services.redisUrl());
      loaded = new ConfigOption.Loaded(loaded.json(), HooklineConfig.from(loaded.json()));
    }
    try {
      return measure(loaded, out);
    } finally {
      if (services != null) {
        services.close();
        deleteTree(embeddedDir);
      }
    }
  }

  private int measure(ConfigOption.Loaded loaded, PrintWriter out) throws Exception {
    String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    PgConnectOptions base = loaded.config().postgres().connectOptions();
    String database = "hookline_bench_" + suffix;
    String keyPrefix = loaded.config().redis().keyPrefix() + "-bench-" + suffix;

    // The same Vert.x as `run` (native transport, metrics on), so the product is what gets measured.
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = VertxFactory.create(loaded.config().cluster().disabled(), registry).await();
    HttpServer embedded = null;
    Hookline hookline = null;
    BenchWorkers extra = null;
    PolledFinalCount polled = null;
    BenchServers servers = null;
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
      // Every bench delivery goes to one receiver: the per-origin cap, meant to keep one slow
      // receiver from taking every slot, would only measure itself here.
      json.getJsonObject("delivery").put("maxInFlightPerOrigin", loaded.config().delivery().maxInFlight());
      if (isLoopback(target)) {
        json.getJsonObject("security").put("allowedNetworks", new JsonArray().add("127.0.0.0/8").add("::1/128"));
      }
      hookline = Hookline.start(vertx, json, registry).await();
      double readySeconds = uptimeSeconds();

      Counter succeeded = registry.counter("hookline.delivery.attempts", "outcome", "succeeded");
      Counter deadLetters = registry.counter("hookline.delivery.attempts", "outcome", "dead_letter");
      LongSupplier finalCount = () -> (long) (succeeded.count() + deadLetters.count());
      if (workers != null) {
        extra = BenchWorkers.start(json, workers - 1);
        polled = new PolledFinalCount(base, database);
        finalCount = polled;
      }
      if (serverStats) {
        servers = BenchServers.open(vertx, base, database, loaded.config().redis().url());
      }
      BenchLoad load = new BenchLoad(vertx, target, concurrency, batch, rate, maxPending, finalCount, out);
      if (warmup > 0) {
        out.printf("warm-up: %d deliveries as fast as they go, not measured%n", warmup);
        long finalBefore = finalCount.getAsLong();
        new BenchLoad(vertx, target, concurrency, batch, null, null, finalCount, out).create(-warmup - 1L, warmup);
        waitUntilFinal(base, database, out, finalCount, finalBefore, warmup);
        // A fresh database has no statistics yet, so the plans cached during the warm-up were made
        // for an empty table. Autovacuum's first analyze would fix them within a minute or so;
        // the bench does it now so the measured run sees the plans a running system has.
        execute(base, database, "ANALYZE webhook_deliveries, webhook_delivery_attempts");
      }
      long afterId = BenchReport.single(base, database, "SELECT coalesce(max(id), 0) FROM webhook_deliveries");

      BenchServers.Settled settledBefore = null;
      if (servers != null) {
        // Backends report their statistics up to 10 s late: let the warm-up's reach them first.
        Thread.sleep(STATS_SETTLE_MILLIS);
        settledBefore = servers.settled();
      }
      long xactBefore = transactions(base, database);
      double reinjectedBefore = reinjected(registry, extra);
      BenchServers.Edge serversBefore = servers == null ? null : servers.edge();
      double workersCpuBefore = extra == null ? 0 : extra.cpuSeconds();
      long cpuBefore = cpuNanos();
      double machineBefore = machineCpuSeconds();
      Instant startedAt = Instant.now();
      double startedUptime = uptimeSeconds();
      long started = System.nanoTime();
      long finalBefore = finalCount.getAsLong();
      long ingestNanos = load.create(0, deliveries);
      waitUntilFinal(base, database, out, finalCount, finalBefore, deliveries);
      long elapsed = System.nanoTime() - started;
      long cpu = cpuNanos() - cpuBefore;
      double machine = machineCpuSeconds() - machineBefore;
      double workersCpu = extra == null ? 0 : extra.cpuSeconds() - workersCpuBefore;
      BenchServers.Edge serversAfter = servers == null ? null : servers.edge();
      double reinjectedInWindow = reinjected(registry, extra) - reinjectedBefore;
      // Let the last statistics reach pg_stat_database (and pg_stat_user_tables) before reading them.
      Thread.sleep(servers == null ? 700 : STATS_SETTLE_MILLIS);
      long xacts = transactions(base, database) - xactBefore;

      BenchReport report = new BenchReport(base, database, afterId);
      JsonObject result = summary(report, elapsed, ingestNanos, xacts, cpu, target);
      result.put("windows", report.windows(startedAt, Math.max(1, Math.min(100_000, deliveries / 10))));
      result.put("warmup", warmup);
      // For start-up studies: when the JVM was ready and how fast it delivered in each step since then.
      result.put("jvm", new JsonObject()
          .put("readySeconds", round(readySeconds))
          .put("measuredFromSeconds", round(startedUptime))
          .put("jitSeconds", round(ManagementFactory.getCompilationMXBean().getTotalCompilationTime() / 1000d)));
      result.put("timeline", report.timeline(startedAt, timelineStep));
      result.put("nativeTransport", vertx.isNativeTransportEnabled());
      if (servers != null) {
        long finalized = report.measured(
            "SELECT count(*) FROM webhook_deliveries WHERE status <> 'pending' AND id > ?");
        result.put("servers", servers.delta(serversBefore, serversAfter, settledBefore, servers.settled(),
            deliveries, finalized));
      }
      result.put("workers", new JsonObject()
          .put("processes", extra == null ? 1 : 1 + extra.count())
          .put("cpuSeconds", round(cpu / 1e9 + workersCpu))
          .put("cpuMillisPerDelivery", round((cpu / 1e6 + workersCpu * 1000) / deliveries))
          .put("sweepReinjected", Math.round(reinjectedInWindow)));
      if (machineBefore >= 0) {
        // Everything the box spent, Postgres, Redis and an external receiver included (Linux only).
        result.put("machineCpuSeconds", round(machine));
      }
      out.println(result.encode());
      out.flush();
      return 0;
    } finally {
      if (polled != null) {
        polled.close();
      }
      if (servers != null) {
        servers.close();
      }
      if (extra != null) {
        extra.close();
      }
      if (hookline != null) {
        hookline.stop().await();
      }
      if (embedded != null) {
        embedded.close().await();
      }
      if (!keep) {
        deleteKeys(vertx, loaded.config().redis(), keyPrefix);
        admin(base, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      }
      vertx.close().await();
    }
  }

  /**
   * Waits until {@code total} more deliveries are final. The in-process outcome counters say when
   * that should be, so the measured database is asked only then and once a second (a delivery
   * dead-lettered for a vanished worker is final without counting).
   */
  private static void waitUntilFinal(PgConnectOptions base, String database, PrintWriter out, LongSupplier finalCount,
                                     long finalBefore, int total) throws SQLException, InterruptedException {
    long started = System.nanoTime();
    long nextCheck = started + 1_000_000_000L;
    while (true) {
      long done = finalCount.getAsLong() - finalBefore;
      if (done >= total || System.nanoTime() >= nextCheck) {
        long pending = BenchReport.single(base, database,
            "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'");
        if (pending == 0) {
          return;
        }
        out.printf("progress: %d of %d final, %d pending, %.1f s%n", done, total, pending,
            (System.nanoTime() - started) / 1e9);
        out.flush();
        nextCheck = System.nanoTime() + 1_000_000_000L;
      }
      Thread.sleep(10);
    }
  }



  private JsonObject summary(BenchReport report, long elapsed, long ingest, long xacts, long cpu, String target)
      throws SQLException {
    long attempts = report.measured("SELECT coalesce(sum(attempt_count), 0) FROM webhook_deliveries WHERE id > ?");
    long failures = report.measured("SELECT count(*) FROM webhook_deliveries WHERE status <> 'succeeded' AND id > ?");
    double seconds = elapsed / 1e9;
    return new JsonObject()
        .put("deliveries", deliveries)
        .put("seconds", round(seconds))
        .put("deliveriesPerSecond", round(deliveries / seconds))
        .put("ingestPerSecond", round(deliveries / (ingest / 1e9)))
        .put("latencyMs", report.latencyMs())
        .put("attempts", attempts)
        .put("failures", failures)
        .put("postgresTransactions", xacts)
        .put("postgresTransactionsPerDelivery", round((double) xacts / deliveries))
        .put("cpuSeconds", round(cpu / 1e9))
        .put("peakHeapMb", round(peakHeapBytes() / 1_048_576d))
        .put("maxHeapMb", round(Runtime.getRuntime().maxMemory() / 1_048_576d))
        .put("concurrency", concurrency)
        .put("batch", batch)
        .put("rate", rate)
        .put("maxPending", maxPending)
        .put("receiver", receiverUrl == null ? "embedded" : target)
        .put("database", report.database())
        .put("kept", keep);
  }

  /** Overdue deliveries the sweepers found missing from Redis and re-added, in every worker so far. */
  private static double reinjected(PrometheusMeterRegistry registry, BenchWorkers extra)
      throws IOException, InterruptedException {
    double own = registry.counter("hookline.sweep.reinjected").count();
    return extra == null ? own : own + extra.metric("hookline_sweep_reinjected_total");
  }

  private static double round(double value) {
    return BenchReport.round(value);
  }

  private static long cpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Busy CPU seconds of the whole machine from /proc/stat, or -1 where there is none. */
  private static double machineCpuSeconds() {
    try {
      String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i <= 8 && i < cpu.length; i++) {
        if (i != 4 && i != 5) { // not idle or iowait; guest time is already inside user
          busy += Long.parseLong(cpu[i]);
        }
      }
      return busy / 100d; // USER_HZ
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Seconds since the JVM started (its own clock: start-up before main included). */
  private static double uptimeSeconds() {
    return ManagementFactory.getRuntimeMXBean().getUptime() / 1000d;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
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
    return BenchReport.single(base, "postgres",
        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = ?", database);
  }

  private static void admin(PgConnectOptions base, String sql) throws SQLException {
    execute(base, "postgres", sql);
  }

  private static void execute(PgConnectOptions base, String database, String sql) throws SQLException {
    try (Connection conn = Migrations.connect(base, database); Statement statement = conn.createStatement()) {
      statement.execute(sql);
    }
  }

  /** On whatever deployment the config names, so a bench against a cluster also cleans up its shard keys. */
  private static void deleteKeys(Vertx vertx, HooklineConfig.Redis config, String prefix) {
    Redis redis = DueQueue.createClient(vertx, config, 1);
    try {
      new DueQueue(redis, config.withKeyPrefix(prefix), Outage.none()).clear().await();
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
