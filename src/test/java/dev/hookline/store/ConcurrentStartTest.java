package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.Hookline;
import dev.hookline.testing.SchemaVersions;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replicas started together on a server without their database: one creates it, the others must
 * take that in their stride, and Flyway's lock must let exactly one of them apply each migration.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrentStartTest {
  private static final int INSTANCES = 4;

  private final TestInfra infra = TestInfra.withoutDatabase();
  private final List<Vertx> vertxes = new ArrayList<>();
  private final List<Hookline> started = new ArrayList<>();

  @AfterEach
  void tearDown() {
    try {
      started.forEach(h -> h.stop().await());
      vertxes.forEach(v -> v.close().await());
    } finally {
      infra.close();
    }
  }

  @Test
  void instancesStartedInTheSameInstantOnAServerWithoutTheirDatabaseAllBecomeReady() {
    // Each start runs its migrations on its own worker thread: all of them race from the first step.
    List<Future<Hookline>> starts = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      Vertx vertx = Vertx.vertx();
      vertxes.add(vertx);
      starts.add(Hookline.start(vertx, infra.config()));
    }

    for (Future<Hookline> start : starts) {
      started.add(start.await());
    }

    assertThat(started).hasSize(INSTANCES);
    assertThat(infra.sql("SELECT version, count(*) FROM flyway_schema_history WHERE success"
        + " AND version IS NOT NULL GROUP BY version HAVING count(*) > 1")).as("a migration applied twice").isEmpty();
    assertThat(infra.sql("SELECT count(*) FROM flyway_schema_history WHERE NOT success").get(0).get(0))
        .isEqualTo(0L);
    assertThat(infra.sql("SELECT max(version::int) FROM flyway_schema_history").get(0).get(0)).isEqualTo(Integer.parseInt(SchemaVersions.latest()));
  }
}
