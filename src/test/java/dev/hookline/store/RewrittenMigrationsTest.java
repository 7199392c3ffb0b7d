package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hookline.testing.SchemaVersions;
import dev.hookline.testing.TestInfra;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 23 rewrote V2 and V4-V10 so that they no longer block claims, creates and outcomes
 * ({@link OnlineMigrationTest}). A database that applied the released files (kept as they were
 * released, up to V13, under src/test/resources/db-released/v13) must migrate with the new code
 * without an error and without any schema change from the rewrite; the new files must make the
 * same schema; any other checksum mismatch must still stop the migration; and each rewritten file
 * that runs outside a transaction must finish the job when run again after failing at any point.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RewrittenMigrationsTest {
  private static final String RELEASED = "classpath:db-released/v13";
  /** The rewritten migrations that run outside a transaction, one statement at a time. */
  private static final List<String> NON_TRANSACTIONAL = List.of("2", "4", "6", "7", "8", "9", "10");
  private static final Pattern CONCURRENT_INDEX = Pattern.compile("CREATE INDEX CONCURRENTLY (\\w+)");

  private final List<TestInfra> databases = new ArrayList<>();

  @AfterEach
  void tearDown() {
    databases.forEach(TestInfra::close);
  }

  private TestInfra database() {
    TestInfra infra = TestInfra.create();
    databases.add(infra);
    return infra;
  }

  private TestInfra copyOf(TestInfra template) {
    TestInfra copy = template.copy();
    databases.add(copy);
    return copy;
  }

  private static PgConnectOptions options(TestInfra infra) {
    return PgConnectOptions.fromUri(infra.postgresUrl());
  }

  /** Flyway as Hookline configures it (its session lock, for the concurrent builds), at {@code locations}. */
  private static Flyway flyway(TestInfra infra, String locations, String target) {
    FluentConfiguration config = Flyway.configure().dataSource(infra.jdbcUrl(), "postgres", null).locations(locations);
    if (target != null) {
      config.target(target);
    }
    config.getConfigurationExtension(PostgreSQLConfigurationExtension.class).setTransactionalLock(false);
    return config.load();
  }

  /** Deliveries pending (with attempts logged) and final, as a database in use holds them. */
  private static void seed(TestInfra infra, int version) {
    infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id, webhook_node_id,"
        + " endpoint_url, http_method, payload, max_attempts, status, attempt_count, scheduled_for, created_at, updated_at)"
        + " SELECT md5(g::text)::uuid, 7, g, 'n', 'HTTPS://R' || (g % 7) || '.Example.com:443/h', 'POST', '{}', 5,"
        + " CASE WHEN g % 2 = 0 THEN 'pending' ELSE 'succeeded' END, g % 4, timestamptz '2026-12-01',"
        + " timestamptz '2026-12-01', timestamptz '2026-12-01' FROM generate_series(1, 2500) g");
    if (version >= 2) {
      infra.sql("INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome)"
          + " SELECT d.id, a, timestamptz '2026-12-01' + a * interval '1 minute', 5,"
          + " CASE WHEN d.id % 10 = 0 AND a = 2 THEN 'dead_letter' ELSE 'retry' END"
          + " FROM webhook_deliveries d, generate_series(1, d.attempt_count) a");
    }
  }

  /** Every row of every table but Flyway's history, sorted: what the migrations filled in must match too. */
  private static Map<String, List<String>> rows(TestInfra infra) {
    Map<String, List<String>> tables = new TreeMap<>();
    for (List<Object> table : infra.sql("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'"
        + " AND tablename <> 'flyway_schema_history'")) {
      tables.put((String) table.get(0), infra.sql("SELECT t::text FROM " + table.get(0) + " t ORDER BY 1").stream()
          .map(row -> (String) row.get(0)).toList());
    }
    return tables;
  }

  private static List<List<Object>> history(TestInfra infra) {
    return infra.sql("SELECT installed_rank, version, description, type, script, checksum, installed_on::text, success"
        + " FROM flyway_schema_history ORDER BY installed_rank");
  }

  @Test
  void theReleasedFilesChecksumsAreTheOnesRealignedAndTheNewFilesAreTheOnesPinned() {
    TestInfra released = database();
    flyway(released, RELEASED, "13").migrate();
    TestInfra fresh = database();
    Migrations.apply(options(fresh));

    Map<String, Integer> releasedChecksums = new LinkedHashMap<>();
    for (List<Object> row : released.sql("SELECT version, checksum FROM flyway_schema_history WHERE version IS NOT NULL")) {
      releasedChecksums.put((String) row.get(0), (Integer) row.get(1));
    }
    Map<String, Integer> newChecksums = new LinkedHashMap<>();
    for (MigrationInfo info : flyway(fresh, "classpath:db/migration", null).info().all()) {
      newChecksums.put(info.getVersion().getVersion(), info.getResolvedChecksum());
    }

    Migrations.REWRITTEN.forEach((version, rewrite) -> {
      assertThat(rewrite.oldChecksums()).as("V" + version + ": the released file's checksum")
          .contains(releasedChecksums.get(version));
      assertThat(newChecksums.get(version)).as("V" + version + ": the file as it is now (edited again? then pin this"
          + " checksum in Migrations.REWRITTEN and keep the previous one among the old ones)")
          .isEqualTo(rewrite.newChecksum());
    });
    releasedChecksums.forEach((version, checksum) -> {
      if (!Migrations.REWRITTEN.containsKey(version)) {
        assertThat(newChecksums.get(version)).as("V" + version + " was released: only the listed rewrites may change")
            .isEqualTo(checksum);
      }
    });
  }

  @Test
  void theNewFilesMakeTheSchemaTheReleasedOnesMade() {
    TestInfra released = database();
    flyway(released, RELEASED, "13").migrate();
    TestInfra fresh = database();
    Migrations.migrate(options(fresh), Migrations.DEFAULT_LOCK_WAIT, "13");

    assertThat(fresh.schemaObjects()).isEqualTo(released.schemaObjects());
  }

  @Test
  void aDatabaseMigratedByTheReleasedFilesMigratesOnWithNoSchemaChangeFromTheRewrite() {
    for (String releasedUpTo : List.of("13", "6")) {
      TestInfra released = database();
      flyway(released, RELEASED, releasedUpTo).migrate();
      seed(released, Integer.parseInt(releasedUpTo));
      List<List<Object>> historyBefore = history(released);
      TestInfra fresh = database();
      Migrations.migrate(options(fresh), Migrations.DEFAULT_LOCK_WAIT, releasedUpTo);
      seed(fresh, Integer.parseInt(releasedUpTo));

      assertThat(Migrations.apply(options(released))).isEqualTo(SchemaVersions.latest());
      Migrations.apply(options(fresh));

      assertThat(released.schemaObjects()).as("released up to V" + releasedUpTo + ", then the new code")
          .isEqualTo(fresh.schemaObjects());
      assertThat(rows(released)).isEqualTo(rows(fresh));
      List<List<Object>> historyAfter = history(released).subList(0, historyBefore.size());
      for (int i = 0; i < historyBefore.size(); i++) {
        List<Object> before = new ArrayList<>(historyBefore.get(i));
        List<Object> after = new ArrayList<>(historyAfter.get(i));
        String version = (String) before.get(1);
        if (Migrations.REWRITTEN.containsKey(version)) {
          assertThat(after.get(5)).as("V" + version + " realigned").isEqualTo(Migrations.REWRITTEN.get(version).newChecksum());
          before.set(5, null);
          after.set(5, null);
        }
        assertThat(after).as("V" + version + " not run again").isEqualTo(before);
      }
      assertThat(flyway(released, "classpath:db/migration", null).validateWithResult().validationSuccessful).isTrue();
    }
  }

  @Test
  void anyOtherChecksumMismatchStillStopsTheMigration() {
    TestInfra released = database();
    flyway(released, RELEASED, "13").migrate();
    // A V9 edited by someone else, and a released migration that was never rewritten.
    released.sql("UPDATE flyway_schema_history SET checksum = checksum + 1 WHERE version IN ('9', '3')");

    assertThatThrownBy(() -> Migrations.apply(options(released))).isInstanceOf(FlywayException.class)
        .hasMessageContaining("checksum mismatch").hasMessageContaining("version 9").hasMessageContaining("version 3");
    assertThat(released.sql("SELECT count(*) FROM flyway_schema_history WHERE version::int > 13").get(0).get(0))
        .isEqualTo(0L);
  }

  /**
   * Each rewritten migration that runs statement by statement, stopped after each of its
   * statements in turn (and, for a concurrent index build, with the index that statement left
   * INVALID, as a failed build leaves it; for a batched fill, after its first batch), then run again
   * from the start as Flyway does after a failure: the schema and the rows end as one clean run
   * leaves them.
   */
  @Test
  void aRerunAfterAFailureAtAnyPointFinishesTheJob() throws Exception {
    for (String version : NON_TRANSACTIONAL) {
      int v = Integer.parseInt(version);
      TestInfra base = database();
      Migrations.migrate(options(base), Migrations.DEFAULT_LOCK_WAIT, Integer.toString(v - 1));
      seed(base, v - 1);
      TestInfra clean = copyOf(base);
      Migrations.migrate(options(clean), Migrations.DEFAULT_LOCK_WAIT, version);
      List<String> cleanSchema = clean.schemaObjects();
      Map<String, List<String>> cleanRows = rows(clean);

      List<String> statements = statements(version);
      for (int stop = 1; stop <= statements.size(); stop++) {
        List<String> ran = new ArrayList<>(statements.subList(0, stop));
        String last = ran.get(ran.size() - 1);
        List<List<String>> variants = new ArrayList<>();
        variants.add(ran);
        Matcher index = CONCURRENT_INDEX.matcher(last);
        if (index.find()) {
          List<String> failedBuild = new ArrayList<>(ran);
          failedBuild.add("UPDATE pg_index SET indisvalid = false WHERE indexrelid = '" + index.group(1) + "'::regclass");
          variants.add(failedBuild);
        }
        if (last.contains("COMMIT;")) {
          List<String> oneBatch = new ArrayList<>(ran.subList(0, ran.size() - 1));
          oneBatch.add(last.replace("    COMMIT;\n  END LOOP;", "    COMMIT;\n    EXIT;\n  END LOOP;"));
          assertThat(oneBatch.get(oneBatch.size() - 1)).isNotEqualTo(last);
          variants.add(oneBatch);
        }
        for (List<String> variant : variants) {
          TestInfra failed = copyOf(base);
          run(failed, variant);
          Migrations.migrate(options(failed), Migrations.DEFAULT_LOCK_WAIT, version);
          String where = "V" + version + " run again after it stopped after statement " + stop + " of "
              + statements.size() + ": " + variant.get(variant.size() - 1);
          assertThat(failed.schemaObjects()).as(where).isEqualTo(cleanSchema);
          assertThat(rows(failed)).as(where).isEqualTo(cleanRows);
          failed.close();
          databases.remove(failed);
        }
      }
    }
  }

  private static void run(TestInfra infra, List<String> statements) throws SQLException {
    try (Connection connection = DriverManager.getConnection(infra.jdbcUrl(), "postgres", null);
         Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  /**
   * The migration's statements as Flyway runs them outside a transaction: split at each ';' that
   * ends a line outside a dollar-quoted body, comments dropped.
   */
  private static List<String> statements(String version) throws IOException {
    String name = SchemaVersions.all().contains(version) ? scriptName(version) : null;
    String text;
    try (InputStream in = RewrittenMigrationsTest.class.getResourceAsStream("/db/migration/" + name)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean dollarQuoted = false;
    for (String line : text.split("\n", -1)) {
      if (!dollarQuoted && line.trim().startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      int dollars = line.split("\\$\\$", -1).length - 1;
      if (dollars % 2 == 1) {
        dollarQuoted = !dollarQuoted;
      }
      if (!dollarQuoted && line.trim().endsWith(";")) {
        statements.add(current.toString().trim().replaceAll(";$", ""));
        current.setLength(0);
      }
    }
    assertThat(current.toString().trim()).as("V" + version + " ends with a complete statement").isEmpty();
    return statements;
  }

  private static String scriptName(String version) throws IOException {
    try (var files = java.nio.file.Files.list(java.nio.file.Path.of("src/main/resources/db/migration"))) {
      return files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("V" + version + "__") && f.endsWith(".sql"))
          .findFirst().orElseThrow();
    }
  }
}
