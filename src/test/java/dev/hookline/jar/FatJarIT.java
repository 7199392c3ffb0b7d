package dev.hookline.jar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.testing.Await;
import dev.hookline.testing.TestInfra;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the packaged {@code target/hookline.jar} the way a user does: against a database that does
 * not exist yet, then SIGTERM, expecting a clean exit 0.
 */
class FatJarIT {
  private static final Path JAR = Path.of("target", "hookline.jar");
  private static final String PASSWORD = "s3cret-" + UUID.randomUUID().toString().substring(0, 8);

  private final String database = "hookline_jar_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private final String keyPrefix = "hltest-jar-" + UUID.randomUUID().toString().substring(0, 8);
  private Process process;

  @AfterEach
  void cleanUp() throws Exception {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
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
    assertThat(started).contains("schema v1", database, "127.0.0.1:5432", keyPrefix, "hookline.delivery.create");
    assertThat(appliedMigrations()).containsExactly("1");

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
        "HOOKLINE_DELIVERY_MAX_ATTEMPTS", "many"));

    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(200);
    assertThat(process.exitValue()).isEqualTo(2);
    String all = String.join("\n", output);
    assertThat(all).contains("delivery.maxAttempts").contains("delivery.leaseSeconds").contains("delivery.timeoutSeconds");
  }

  private List<String> launch(Map<String, String> env) throws IOException {
    assertThat(JAR).as("run `mvn package` first").exists();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-jar", JAR.toString()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("HOOKLINE_") || name.startsWith("WEBHOOK_DELIVERY_"));
    builder.environment().putAll(env);
    process = builder.start();
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          lines.add(line);
          System.out.println("[jar] " + line);
        }
      } catch (IOException ignored) {
        // the process is gone
      }
    }, "jar-output");
    reader.setDaemon(true);
    reader.start();
    return lines;
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
