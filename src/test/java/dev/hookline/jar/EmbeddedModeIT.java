package dev.hookline.jar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hookline.testing.Await;
import dev.hookline.testing.JarProcess;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code run --embedded} from the packaged jar, so the PostgreSQL and Redis binaries are found
 * inside the shaded jar: the printed curl's create reaches the demo receiver, SIGTERM stops
 * everything cleanly, and a second run on the same data directory still has the delivery.
 */
class EmbeddedModeIT {
  private static final Pattern CREATE_URL = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)/v1/deliveries");
  private static final Pattern RECEIVER_URL = Pattern.compile("#(http://127\\.0\\.0\\.1:\\d+/hooks)#'");
  private static final Duration START = Duration.ofSeconds(120);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Path dataDir;
  private JarProcess jar;

  @BeforeEach
  void setUp() throws IOException {
    // As root, PostgreSQL can only run in a user namespace; a container that forbids them gets
    // embedded mode's refusal (by design), not a test of it.
    assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() != 0 || LinuxUtils.isUnshareAvailable(),
        "running as root where user namespaces (unshare -U) are not allowed");
    dataDir = Files.createTempDirectory("hookline-embedded-it");
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (dataDir == null) {
      return;
    }
    if (jar != null) {
      jar.killNow();
    }
    // A jar killed above leaves its servers running (they have sessions of their own).
    killFromPidFile(dataDir.resolve("postgres/postmaster.pid"));
    killFromPidFile(dataDir.resolve("redis/redis.pid"));
    try (Stream<Path> paths = Files.walk(dataDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  @Test
  @Timeout(value = 280, unit = TimeUnit.SECONDS)
  void theCurlItPrintsDeliversToTheDemoReceiverAndARestartKeepsTheDelivery() throws Exception {
    List<String> output = launch();
    String curl = awaitCurl(output);
    Matcher api = CREATE_URL.matcher(curl);
    Matcher receiver = RECEIVER_URL.matcher(curl);
    assertThat(api.find()).as(curl).isTrue();
    assertThat(receiver.find()).as("the free receiver port is written into the example: %s", curl).isTrue();
    assertThat(curl).contains("examples/create.json").doesNotContain("Authorization");
    assertThat(output).anyMatch(line -> line.contains("not for production"));

    // What the printed command sends: the example, its receiver moved to the free port.
    String body = Files.readString(Path.of("examples", "create.json"))
        .replace("http://127.0.0.1:8090/hooks", receiver.group(1));
    HttpResponse<String> created = post(api.group(1) + "/v1/deliveries", body);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String uuid = new JsonObject(created.body()).getString("deliveryUuid");

    Await.until("the demo receiver to log the webhook", Duration.ofSeconds(60),
        () -> output.stream().anyMatch(line -> line.contains("Demo receiver got POST /hooks delivery-id=" + uuid
            + " attempt=1")), () -> String.join("\n", output));
    assertThat(output).anyMatch(line -> line.contains("Demo receiver got") && line.contains("Ada Lovelace"));
    Await.until("the success to be recorded", Duration.ofSeconds(30),
        () -> "succeeded".equals(delivery(api.group(1), uuid).getString("status")));

    stopAndExpectCleanExit(output);

    List<String> again = launch();
    Matcher restartedApi = CREATE_URL.matcher(awaitCurl(again));
    assertThat(restartedApi.find()).isTrue();
    JsonObject kept = delivery(restartedApi.group(1), uuid);
    assertThat(kept.getString("status")).isEqualTo("succeeded");
    assertThat(kept.getString("payload")).contains("Ada Lovelace");
    // The same create again is recognised: the row and its unique key survived the restart.
    HttpResponse<String> repeated = post(restartedApi.group(1) + "/v1/deliveries", body);
    assertThat(repeated.statusCode()).as(repeated.body()).isEqualTo(200);
    assertThat(new JsonObject(repeated.body()).getString("status")).isEqualTo("existing");

    stopAndExpectCleanExit(again);
  }

  private List<String> launch() throws IOException {
    // Port 0 for the API and the receiver: the printed curl names the ports they got.
    jar = JarProcess.start("embedded", List.of("run", "--embedded", "--data-dir", dataDir.toString(),
        "--receiver-port", "0"), Map.of("HOOKLINE_HTTP_PORT", "0"));
    return jar.output();
  }

  private String awaitCurl(List<String> output) {
    Await.until("the curl to paste", START, () -> output.stream().anyMatch(line -> line.contains("curl -sS")),
        () -> String.join("\n", output));
    return output.stream().filter(line -> line.contains("curl -sS")).findFirst().orElseThrow();
  }

  private void stopAndExpectCleanExit(List<String> output) throws Exception {
    jar.signal("TERM");
    assertThat(jar.process().waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
    assertThat(jar.process().exitValue()).as(String.join("\n", output)).isZero();
    Await.until("the embedded servers' stop lines", Duration.ofSeconds(5),
        () -> output.stream().anyMatch(line -> line.contains("Embedded PostgreSQL stopped")));
    int hooklineStopped = indexOf(output, "Hookline stopped");
    int redisStopped = indexOf(output, "Embedded Redis stopped");
    int postgresStopped = indexOf(output, "Embedded PostgreSQL stopped");
    assertThat(hooklineStopped).as("Hookline stops first").isNotNegative().isLessThan(redisStopped);
    assertThat(redisStopped).isLessThan(postgresStopped);
    // A clean stop takes down the servers and their pid files with them.
    assertThat(dataDir.resolve("postgres/postmaster.pid")).doesNotExist();
    assertThat(dataDir.resolve("redis/redis.pid")).doesNotExist();
  }

  private static int indexOf(List<String> output, String text) {
    for (int i = 0; i < output.size(); i++) {
      if (output.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
  }

  private JsonObject delivery(String api, String uuid) {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(api + "/v1/deliveries/" + uuid))
          .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return new JsonObject(response.body());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private HttpResponse<String> post(String url, String json) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void killFromPidFile(Path pidFile) throws IOException {
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile);
    if (!lines.isEmpty() && lines.get(0).trim().matches("\\d+")) {
      ProcessHandle.of(Long.parseLong(lines.get(0).trim())).ifPresent(server -> {
        server.destroy();
        server.onExit().orTimeout(20, TimeUnit.SECONDS).exceptionally(timedOut -> {
          server.destroyForcibly();
          return server;
        }).join();
      });
    }
  }
}
