package dev.hookline.jar;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import dev.hookline.Hookline;
import dev.hookline.queue.DueQueue;
import dev.hookline.testing.Await;
import dev.hookline.testing.JarProcess;
import dev.hookline.testing.Messages;
import dev.hookline.testing.Receiver;
import dev.hookline.testing.SchemaVersions;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the packaged {@code target/hookline.jar} the way a user does: against a database that does
 * not exist yet, then SIGTERM, expecting a clean exit 0.
 */
class FatJarIT {
  private static final String PASSWORD = "s3cret-" + UUID.randomUUID().toString().substring(0, 8);

  private final String database = "hookline_jar_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private final String keyPrefix = "hltest-jar-" + UUID.randomUUID().toString().substring(0, 8);
  private Process process;
  private JarProcess jar;

  @AfterEach
  void cleanUp() throws Exception {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    Vertx vertx = Vertx.vertx();
    try {
      // The schedule's shards (4 by default); ids left there by a sweep after the last pop.
      new DueQueue(DueQueue.createClient(vertx, TestInfra.REDIS_URL, 1), keyPrefix, 4).clear().await();
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void theJarMigratesAFreshDatabaseStartsAndExitsZeroOnSigterm() throws Exception {
    List<String> output = launch(Map.of(
        // Trust auth ignores the password; it is here to prove it never reaches the log.
        "HOOKLINE_POSTGRES_URL", "postgresql://postgres:" + PASSWORD + "@127.0.0.1:5432/" + database,
        "HOOKLINE_REDIS_URL", TestInfra.REDIS_URL,
        "HOOKLINE_REDIS_KEY_PREFIX", keyPrefix,
        "HOOKLINE_SWEEP_INTERVAL_SECONDS", "0.5",
        "HOOKLINE_HTTP_PORT", "0"));

    Await.until("the started line", Duration.ofSeconds(60), () -> output.stream().anyMatch(l -> l.contains("Hookline started")),
        () -> String.join("\n", output));
    String started = output.stream().filter(l -> l.contains("Hookline started")).findFirst().orElseThrow();
    assertThat(started).contains("schema v" + SchemaVersions.latest(), database, "127.0.0.1:5432", keyPrefix, "hookline.delivery.create");
    assertThat(appliedMigrations()).containsExactlyElementsOf(SchemaVersions.all());

    // Not Process.destroy(): it also closes our end of the child's stdout, losing the shutdown lines.
    assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor()).isZero();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited within the deadline").isTrue();
    assertThat(process.exitValue()).as("exit code after SIGTERM\n" + String.join("\n", output)).isZero();
    Await.until("the stopped line", Duration.ofSeconds(5), () -> output.stream().anyMatch(l -> l.contains("Hookline stopped")));
    assertThat(output).noneMatch(line -> line.contains(PASSWORD));
  }

  @Test
  void aBadConfigurationStopsStartUpWithAMessageNamingTheKey() throws Exception {
    List<String> output = launch(Map.of(
        "HOOKLINE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/" + database,
        "WEBHOOK_DELIVERY_TIMEOUT_SECONDS", "120",
        // Set explicitly: left unset, the lease would follow the timeout and be valid.
        "HOOKLINE_DELIVERY_LEASE_SECONDS", "90",
        "HOOKLINE_DELIVERY_MAX_ATTEMPTS", "many"));

    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    jar.awaitOutputEnd(Duration.ofSeconds(10));
    assertThat(process.exitValue()).isEqualTo(2);
    String all = String.join("\n", output);
    assertThat(all).contains("delivery.maxAttempts").contains("delivery.leaseSeconds").contains("delivery.timeoutSeconds");
  }

  /**
   * SIGTERM while hundreds of attempts are on the wire and thousands are queued, with a grace
   * shorter than the receiver's answers: the process still exits 0 within its deadline, the
   * attempts it abandoned stay under their lease, and a fresh worker delivers every delivery,
   * re-sending no more than were in flight.
   */
  @Test
  void sigtermUnderLoadExitsZeroInTimeAndLosesNothing() throws Exception {
    int apiPort = freePort();
    int total = 3_000;
    Vertx local = Vertx.vertx();
    try {
      Receiver receiver = Receiver.start(local).behave(r -> Receiver.Reply.delayed(200, 1_500));
      List<String> output = launch(Map.ofEntries(
          Map.entry("HOOKLINE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/" + database),
          Map.entry("HOOKLINE_REDIS_URL", TestInfra.REDIS_URL),
          Map.entry("HOOKLINE_REDIS_KEY_PREFIX", keyPrefix),
          Map.entry("HOOKLINE_HTTP_PORT", Integer.toString(apiPort)),
          Map.entry("HOOKLINE_DELIVERY_TIMEOUT_SECONDS", "5"),
          Map.entry("HOOKLINE_DELIVERY_LEASE_SECONDS", "8"),
          Map.entry("HOOKLINE_DELIVERY_SHUTDOWN_GRACE_SECONDS", "0.5"),
          // One receiver: let it have every slot, so 512 sends are in flight when SIGTERM comes.
          Map.entry("HOOKLINE_DELIVERY_MAX_IN_FLIGHT_PER_ORIGIN", "256"),
          Map.entry("HOOKLINE_SECURITY_ALLOWED_NETWORKS", "127.0.0.0/8")));
      Await.until("the started line", Duration.ofSeconds(60),
          () -> output.stream().anyMatch(l -> l.contains("Hookline started")), () -> String.join("\n", output));

      WebClient client = WebClient.create(local);
      for (int first = 0; first < total; first += 500) {
        JsonArray batch = new JsonArray();
        for (int run = first; run < first + 500; run++) {
          batch.add(Messages.create(7, 100_000 + run, "node-1", receiver.url("/load")));
        }
        HttpResponse<Buffer> created = client.post(apiPort, "127.0.0.1", "/v1/deliveries/batch").sendJson(batch).await();
        assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(200);
      }
      Await.until("sending under way", Duration.ofSeconds(30), () -> receiver.requests().size() >= 300);

      long signalled = System.nanoTime();
      assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor()).isZero();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
      Duration stopping = Duration.ofNanos(System.nanoTime() - signalled);
      assertThat(process.exitValue()).as(String.join("\n", output)).isZero();
      // The grace (0.5 s) plus closing the clients: well inside the 10 s the process allows itself.
      assertThat(stopping).isLessThan(Duration.ofSeconds(10));
      long sentBeforeStop = receiver.requests().size();
      assertThat(sentBeforeStop).as("the stop left work behind").isLessThan(total);

      JsonObject drain = new JsonObject()
          .put("postgres", new JsonObject().put("url", "postgresql://postgres@127.0.0.1:5432/" + database))
          .put("redis", new JsonObject().put("url", TestInfra.REDIS_URL).put("keyPrefix", keyPrefix))
          .put("delivery", new JsonObject().put("timeoutSeconds", 5).put("leaseSeconds", 8))
          .put("sweep", new JsonObject().put("intervalSeconds", 0.5))
          .put("http", new JsonObject().put("port", 0))
          .put("security", new JsonObject().put("allowedNetworks", new JsonArray().add("127.0.0.0/8")));
      Hookline worker = Hookline.start(local, drain).await();
      try {
        Await.until("every delivery to succeed", Duration.ofSeconds(90),
            () -> count("SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'") == total,
            () -> "succeeded: " + count("SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'"));
      } finally {
        worker.stop().await();
      }
      Set<String> reached = new HashSet<>();
      receiver.requests().forEach(r -> reached.add(r.header("X-Dograh-Delivery-Id")));
      assertThat(reached).as("every delivery reached the receiver").hasSize(total);
      long extraSends = receiver.requests().size() - total;
      // Only attempts abandoned on the wire are sent again, and there were never more than
      // 2 verticles x 256 of those.
      System.out.printf("shutdown under load: %d sent before SIGTERM returned, stop took %d ms, %d sent again%n",
          sentBeforeStop, stopping.toMillis(), extraSends);
      assertThat(extraSends).isBetween(0L, 512L);
      assertThat(count("SELECT count(*) FROM webhook_delivery_attempts WHERE outcome = 'succeeded'")).isEqualTo(total);
      client.close();
    } finally {
      local.close().await();
    }
  }

  private long count(String sql) {
    try (Connection conn = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + database, "postgres", null);
         Statement statement = conn.createStatement();
         ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The sibling's side of the README: a second JVM (this test) joins the jar's Hazelcast cluster
   * over TCP/IP and sends the create message; the delivery reaches a receiver in this JVM.
   */
  @Test
  void aSiblingInAnotherJvmCreatesADeliveryThroughTheCluster() throws Exception {
    int hooklinePort = freePort();
    int siblingPort = freePort();
    Vertx local = Vertx.vertx();
    Vertx sibling = null;
    try {
      Receiver receiver = Receiver.start(local);
      List<String> output = launch(List.of("run", "--cluster"), Map.of(
          "HOOKLINE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/" + database,
          "HOOKLINE_REDIS_URL", TestInfra.REDIS_URL,
          "HOOKLINE_REDIS_KEY_PREFIX", keyPrefix,
          "HOOKLINE_HTTP_PORT", "0",
          "HOOKLINE_CLUSTER_HOST", "127.0.0.1",
          "HOOKLINE_CLUSTER_PORT", Integer.toString(hooklinePort),
          "HOOKLINE_CLUSTER_MEMBERS", "127.0.0.1:" + siblingPort,
          "HOOKLINE_SECURITY_ALLOWED_NETWORKS", "127.0.0.0/8"));
      Await.until("the started line", Duration.ofSeconds(90),
          () -> output.stream().anyMatch(l -> l.contains("Hookline started")), () -> String.join("\n", output));

      sibling = joinAsSibling(siblingPort, hooklinePort);
      JsonObject reply = sendWithRetry(sibling, Messages.create(7, 9, "node-1", receiver.url("/clustered")));

      assertThat(reply.getString("status")).isEqualTo("created");
      Await.until("the delivery to reach the receiver", Duration.ofSeconds(30),
          () -> receiver.requestsTo("/clustered").size() == 1);
      assertThat(receiver.requestsTo("/clustered").get(0).header("X-Dograh-Delivery-Id"))
          .isEqualTo(reply.getString("deliveryUuid"));

      assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor()).isZero();
      assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as(String.join("\n", output)).isZero();
    } finally {
      if (sibling != null) {
        sibling.close().await();
      }
      local.close().await();
    }
  }

  /** What a sibling service does: a clustered Vert.x on Hazelcast, TCP/IP members, no multicast. */
  private static Vertx joinAsSibling(int ownPort, int hooklinePort) {
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName("hookline");
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    hazelcast.getNetworkConfig().setPort(ownPort).setPortAutoIncrement(false)
        .setPublicAddress("127.0.0.1:" + ownPort);
    hazelcast.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = hazelcast.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + hooklinePort);
    return Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1")))
        .withClusterManager(new HazelcastClusterManager(hazelcast))
        .buildClustered().await();
  }

  /** Right after joining, the consumer's registration may not have reached this member yet. */
  private static JsonObject sendWithRetry(Vertx sibling, JsonObject message) {
    ReplyException last = null;
    for (int i = 0; i < 30; i++) {
      try {
        return (JsonObject) sibling.eventBus().request("hookline.delivery.create", message,
            new DeliveryOptions().setSendTimeout(10_000)).await().body();
      } catch (ReplyException e) {
        last = e;
        Await.sleep(500);
      }
    }
    throw last;
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private List<String> launch(Map<String, String> env) throws IOException {
    return launch(List.of(), env);
  }

  private List<String> launch(List<String> args, Map<String, String> env) throws IOException {
    jar = JarProcess.start("jar", args, env);
    process = jar.process();
    return jar.output();
  }

  private List<String> appliedMigrations() throws SQLException {
    try (Connection conn = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + database, "postgres", null);
         Statement statement = conn.createStatement();
         ResultSet rs = statement.executeQuery("SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank")) {
      List<String> versions = new java.util.ArrayList<>();
      while (rs.next()) {
        versions.add(rs.getString(1));
      }
      return versions;
    }
  }

  private static void admin(String sql) throws SQLException {
    try (Connection conn = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", null);
         Statement statement = conn.createStatement()) {
      statement.execute(sql);
    }
  }
}
