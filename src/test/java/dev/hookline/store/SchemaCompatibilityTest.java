package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hookline.testing.SchemaVersions;
import dev.hookline.testing.TestInfra;
import io.vertx.pgclient.PgConnectOptions;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The rule that decides whether a build may work against a schema, and what start-up does with it. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SchemaCompatibilityTest {

  private static Optional<String> problem(int newestKnown, int applied, int... versionThenOldest) {
    TreeMap<Integer, Integer> rows = new TreeMap<>();
    for (int i = 0; i < versionThenOldest.length; i += 2) {
      rows.put(versionThenOldest[i], versionThenOldest[i + 1]);
    }
    return new SchemaCompatibility.Found(applied, rows).problem(newestKnown);
  }

  @Nested
  class TheRule {
    @Test
    void aSchemaThisBuildKnowsIsAlwaysFine() {
      assertThat(problem(16, 16)).isEmpty();
      assertThat(problem(16, 12)).isEmpty();
    }

    @Test
    void aNewerSchemaIsFineWhenEveryMigrationAboveThisBuildAllowsIt() {
      assertThat(problem(16, 18, 17, 9, 18, 16)).isEmpty();
    }

    @Test
    void oneMigrationThatNeedsNewerWorkersIsEnough() {
      assertThat(problem(16, 18, 17, 9, 18, 17)).hasValueSatisfying(why -> assertThat(why)
          .contains("schema is at v18").contains("newest migration is v16").contains("v18 needs workers built with v17")
          .contains("run a Hookline build whose migrations reach v18"));
    }

    @Test
    void aMigrationThatSaysNothingIsTakenAsIncompatible() {
      assertThat(problem(16, 18, 18, 9)).hasValueSatisfying(why -> assertThat(why)
          .contains("v17").contains("no row in hookline_schema_compat"));
    }

    @Test
    void aMigrationThatHasStartedCountsBeforeItIsRecorded() {
      // Its row is its first statement; Flyway records it as applied only at the end.
      assertThat(problem(16, 16, 17, 17)).hasValueSatisfying(why -> assertThat(why).contains("schema is at v17"));
    }
  }

  @Nested
  class OnADatabase {
    private TestInfra infra;
    private PgConnectOptions options;

    @BeforeEach
    void setUp() {
      infra = TestInfra.create();
      options = PgConnectOptions.fromUri(infra.postgresUrl());
    }

    @AfterEach
    void tearDown() {
      infra.close();
    }

    /** What a newer build's migration leaves behind: Flyway's row for it and its compatibility row. */
    private void migratedByANewerBuild(int version, int oldestWorker) {
      infra.sql("INSERT INTO hookline_schema_compat (version, oldest_worker, note) VALUES (?, ?, 'a newer build')",
          version, oldestWorker);
      infra.sql("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
          + " installed_by, execution_time, success) SELECT max(installed_rank) + 1, ?, 'from a newer build', 'SQL',"
          + " 'V' || ? || '__from_a_newer_build.sql', 0, current_user, 1, true FROM flyway_schema_history",
          Integer.toString(version), Integer.toString(version));
    }

    @Test
    void everyMigrationSaysWhichWorkersMayRunAgainstItAndThatNeverLoosens() {
      Migrations.apply(options);
      int latest = Integer.parseInt(SchemaVersions.latest());

      List<List<Object>> rows = infra.sql("SELECT version, oldest_worker FROM hookline_schema_compat ORDER BY version");

      assertThat(rows).extracting(row -> row.get(0)).as("a row per migration")
          .isEqualTo(java.util.stream.IntStream.rangeClosed(1, latest).boxed().toList());
      for (int i = 1; i < rows.size(); i++) {
        assertThat((Integer) rows.get(i).get(1)).as("oldest worker of v" + rows.get(i).get(0))
            .isGreaterThanOrEqualTo((Integer) rows.get(i - 1).get(1));
      }
      assertThat(rows.stream().filter(row -> (Integer) row.get(0) == 9).findFirst().orElseThrow().get(1))
          .as("pre-V9 workers take expired for not final").isEqualTo(9);
    }

    @Test
    void startUpRefusesASchemaMigratedByABuildThisOneMayNotRunBeside() {
      Migrations.apply(options);
      int latest = Integer.parseInt(SchemaVersions.latest());
      migratedByANewerBuild(latest + 1, latest + 1);

      assertThatThrownBy(() -> Migrations.apply(options))
          .isInstanceOf(SchemaCompatibility.TooNewException.class)
          .hasMessageContaining("refusing to start")
          .hasMessageContaining("schema is at v" + (latest + 1))
          .hasMessageContaining("newest migration is v" + latest)
          .hasMessageContaining("docs/operations.md#upgrading");
    }

    @Test
    void startUpGoesOnWhenTheNewerMigrationsAllowThisBuild() {
      Migrations.apply(options);
      int latest = Integer.parseInt(SchemaVersions.latest());
      migratedByANewerBuild(latest + 1, latest);

      assertThat(Migrations.apply(options)).isEqualTo(Integer.toString(latest + 1));
    }
  }
}
