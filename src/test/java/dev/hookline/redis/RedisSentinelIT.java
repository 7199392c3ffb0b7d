package dev.hookline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.LocalSentinels;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hookline on Redis with Sentinel (a master, its replica, three sentinels, all local): two
 * instances deliver a few thousand deliveries with none lost, and a master killed mid-run is
 * replaced by its replica without losing or duplicating a delivery (the killing test goes last).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisSentinelIT {
  private static final int DELIVERIES = 3_000;

  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static LocalSentinels sentinels;

  @BeforeAll
  static void startSentinels() {
    sentinels = LocalSentinels.start();
  }

  @AfterAll
  static void stopSentinels() {
    if (sentinels != null) {
      sentinels.close();
    }
  }

  private JsonObject redis() {
    return new JsonObject().put("type", "sentinel").put("masterName", LocalSentinels.MASTER_NAME)
        .put("endpoints", new JsonArray(sentinels.sentinelUrls()));
  }

  @Test
  @Order(1)
  void twoInstancesDeliverEveryDeliveryOnce() {
    try (TwoWorkers workers = new TwoWorkers(DATABASE.infra(), redis())) {
      assertThat(workers.readiness(0).getJsonObject("checks").getString("redis")).isEqualTo("up");

      workers.create(DELIVERIES);
      TwoWorkers.Outcome outcome = workers.awaitAllDelivered(DELIVERIES);

      assertThat(outcome.duplicated()).as("delivery ids received twice").isZero();
    }
  }

  @Test
  @Order(2)
  void aMasterKilledMidRunLosesNothing() {
    try (TwoWorkers workers = new TwoWorkers(DATABASE.infra(), redis())) {
      int victim = sentinels.currentMasterPort();
      Thread creates = new Thread(() -> workers.create(DELIVERIES), "creates");
      creates.start();
      Await.until("a fifth of the deliveries to arrive", Duration.ofSeconds(60),
          () -> workers.deliveriesReceived() >= DELIVERIES / 5);
      sentinels.kill(victim);
      assertThat(workers.deliveriesReceived()).as("deliveries received when the master died").isLessThan(DELIVERIES);
      Await.until("the sentinels to promote the replica", Duration.ofSeconds(60),
          () -> sentinels.currentMasterPort() == sentinels.replicaPort);
      RedisClusterIT.join(creates);

      TwoWorkers.Outcome outcome = workers.awaitAllDelivered(DELIVERIES);

      // RELIABILITY.md: a Redis failover by itself sends nothing twice (claims are in Postgres).
      assertThat(outcome.duplicated()).as("delivery ids received twice").isZero();
      Await.until("readiness to say Redis is up on the new master", Duration.ofSeconds(30),
          () -> "up".equals(workers.readiness(1).getJsonObject("checks").getString("redis")));
    }
  }
}
