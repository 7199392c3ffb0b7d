package dev.hookline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.testing.TestInfra;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small bench run: a correctness check of the result, not a timing assertion. */
class BenchCommandTest {
  @TempDir
  Path dir;

  @Test
  void aSmallRunDeliversEverythingAndPrintsACompleteResult() throws IOException, SQLException {
    Path conf = dir.resolve("bench.json");
    Files.writeString(conf, new JsonObject()
        .put("postgres", new JsonObject().put("url", "postgresql://postgres@127.0.0.1:5432/postgres"))
        .put("redis", new JsonObject().put("url", TestInfra.REDIS_URL).put("keyPrefix", "hltest-bench"))
        .encode());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int exit = HooklineCli.execute(new String[] {"bench", "--deliveries", "600", "--concurrency", "64", "-conf",
        conf.toString()}, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));

    assertThat(exit).as(err.toString()).isZero();
    String[] lines = out.toString().strip().split("\\R");
    JsonObject result = new JsonObject(lines[lines.length - 1]);
    assertThat(result.getInteger("deliveries")).isEqualTo(600);
    assertThat(result.getLong("failures")).isZero();
    assertThat(result.getLong("attempts")).isEqualTo(600);
    assertThat(result.getDouble("deliveriesPerSecond")).isPositive();
    assertThat(result.getDouble("ingestPerSecond")).isPositive();
    assertThat(result.getJsonObject("latencyMs").fieldNames()).containsExactlyInAnyOrder("p50", "p95", "p99", "max");
    assertThat(result.getJsonObject("latencyMs").getDouble("max"))
        .isGreaterThanOrEqualTo(result.getJsonObject("latencyMs").getDouble("p50"));
    assertThat(result.getLong("postgresTransactions")).isPositive();
    assertThat(result.getDouble("cpuSeconds")).isPositive();
    assertThat(result.getDouble("peakHeapMb")).isPositive();
    assertThat(databaseExists(result.getString("database"))).as("the bench database is dropped afterwards").isFalse();
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
