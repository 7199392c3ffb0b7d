package dev.hookline.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a {@link ClassDatabase} hands the second test after the first left everything dirty: the
 * same migrated database, empty, ids restarted, the class's Redis keys gone, and a schema change
 * undone (by making the database anew). Run alone, the second test is skipped.
 */
@ExtendWith(VertxExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClassDatabaseTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static String firstDatabase;

  private static long insertDelivery(TestInfra infra, long run) {
    return ((Number) infra.sql("INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id,"
        + " webhook_node_id, endpoint_url, http_method, payload, status, max_attempts)"
        + " VALUES (gen_random_uuid(), 7, ?, 'n', 'https://r.example.com/', 'POST', '{}', 'pending', 5)"
        + " RETURNING id", run).get(0).get(0)).longValue();
  }

  private static String redisGet(Vertx vertx, String key) {
    Redis redis = Redis.createClient(vertx, TestInfra.REDIS_URL);
    try {
      var value = redis.send(Request.cmd(Command.GET).arg(key)).await();
      return value == null ? null : value.toString();
    } finally {
      redis.close();
    }
  }

  @Test
  @Order(1)
  void theFirstTestLeavesRowsKeysAndASchemaChangeBehind(Vertx vertx) {
    TestInfra infra = DATABASE.infra();
    assertThat(insertDelivery(infra, 1)).isEqualTo(1);
    insertDelivery(infra, 2);
    Redis redis = Redis.createClient(vertx, TestInfra.REDIS_URL);
    redis.send(Request.cmd(Command.SET).arg(infra.keyPrefix + ":left-over").arg("x")).await();
    redis.close();
    infra.sql("ALTER TABLE webhook_deliveries ADD COLUMN left_over int");
    firstDatabase = infra.database;
  }

  @Test
  @Order(2)
  void theSecondFindsTheSameDatabaseAsTheMigrationsLeftIt(Vertx vertx) {
    assumeThat(firstDatabase).as("the first test ran before").isNotNull();
    TestInfra infra = DATABASE.infra();

    assertThat(infra.database).isEqualTo(firstDatabase);
    assertThat(infra.count("true")).isZero();
    assertThat(redisGet(vertx, infra.keyPrefix + ":left-over")).isNull();
    assertThat(infra.sql("SELECT count(*) FROM information_schema.columns WHERE column_name = 'left_over'"))
        .containsExactly(List.of(0L));
    assertThat(infra.sql("SELECT count(*) FROM flyway_schema_history WHERE success").get(0).get(0))
        .isEqualTo((long) SchemaVersions.all().size());
    assertThat(insertDelivery(infra, 1)).isEqualTo(1);
  }
}
