package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.domain.Origins;
import dev.hookline.testing.SchemaVersions;
import dev.hookline.testing.TestInfra;
import io.vertx.pgclient.PgConnectOptions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** V6 gives rows created before it the origin the application would have written for them. */
class OriginBackfillTest {
  private TestInfra infra;

  @BeforeEach
  void setUp() {
    infra = TestInfra.create();
    // Through Migrations: its session lock lets the CONCURRENTLY builds of V2 and later finish (Flyway's
    // default transactional lock keeps a transaction open that they would wait for forever).
    Migrations.migrate(PgConnectOptions.fromUri(infra.postgresUrl()), Migrations.DEFAULT_LOCK_WAIT, "5");
  }

  @AfterEach
  void tearDown() {
    infra.close();
  }

  private void insert(long run, String url, String status) {
    infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id, webhook_node_id,"
        + " endpoint_url, http_method, payload, max_attempts, status) VALUES (gen_random_uuid(), 7, ?, 'n', ?, 'POST',"
        + " '{}', 5, ?)", run, url, status);
  }

  @Test
  void pendingRowsGetTheApplicationsOriginAndFinalRowsAreLeftAlone() {
    List<String> urls = List.of("https://crm.example.com/hooks?token=abc", "HTTPS://User:pw@CRM.Example.com:443/x",
        "http://crm.example.com:80/a#f", "http://crm.example.com:8080/b", "https://crm.example.com:80/c",
        "http://127.0.0.1:9000", "https://[::1]:8443/v6", "http://crm.example.com:080/x", "http://crm.example.com:/y",
        "https://crm.example.com?q=1", "http://under_score.example.com:80/z", "https://crm.example.com:08443/p");
    for (int i = 0; i < urls.size(); i++) {
      insert(i, urls.get(i), "pending");
    }
    insert(100, "https://done.example.com/x", "succeeded");

    String version = Migrations.apply(PgConnectOptions.fromUri(infra.postgresUrl()));

    assertThat(version).isEqualTo(SchemaVersions.latest());
    for (int i = 0; i < urls.size(); i++) {
      assertThat(infra.sql("SELECT origin FROM webhook_deliveries WHERE workflow_run_id = ?", (long) i).get(0).get(0))
          .as(urls.get(i)).isEqualTo(Origins.of(urls.get(i)));
    }
    assertThat(infra.sql("SELECT origin FROM webhook_deliveries WHERE workflow_run_id = 100").get(0).get(0)).isNull();
  }

  @Test
  void aRowInsertedWithoutAnOriginGetsOneAsAnOlderWorkerWouldLeaveIt() {
    Migrations.apply(PgConnectOptions.fromUri(infra.postgresUrl()));

    insert(200, "HTTPS://Crm.Example.com:443/hooks?token=abc", "pending");

    assertThat(infra.sql("SELECT origin FROM webhook_deliveries WHERE workflow_run_id = 200").get(0))
        .containsExactly("https://crm.example.com");
  }
}
