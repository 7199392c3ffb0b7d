package dev.hookline.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.testing.Await;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.LocalRedisCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hookline on a real Redis Cluster of six local nodes (three masters, three replicas): two
 * instances deliver a few thousand deliveries with none lost, the schedule's shards sit on
 * different masters, readiness lists every node, and a master killed mid-run is replaced by its
 * replica without losing or duplicating a delivery. The killing test goes last: it leaves the
 * cluster with one node fewer.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterIT {
  private static final int DELIVERIES = 3_000;
  private static final int SHARDS = 3;
  private static final Pattern NODES_UP = Pattern.compile("(?m)^hookline_redis_nodes\\{state=\"up\",?} 6\\.0$");

  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static LocalRedisCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = LocalRedisCluster.start();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Seeds: two nodes in the list and one more in redis.url, which counts as a seed too. */
  private JsonObject redis() {
    return new JsonObject().put("type", "cluster").put("url", cluster.urls().get(2)).put("shards", SHARDS)
        .put("endpoints", new JsonArray(cluster.urls().subList(0, 2)));
  }

  @Test
  @Order(1)
  void twoInstancesDeliverEveryDeliveryOnceWithShardsOnDifferentMasters() {
    try (TwoWorkers workers = new TwoWorkers(DATABASE.infra(), redis())) {
      Set<Integer> masters = new HashSet<>();
      for (int s = 0; s < SHARDS; s++) {
        masters.add(cluster.masterOf(workers.instances.get(0).queue().key(s), cluster.ports.get(0)));
      }
      assertThat(masters).as("the masters holding the shard keys").hasSize(SHARDS);

      JsonObject ready = workers.readiness(1);
      assertThat(ready.getString("status")).isEqualTo("up");
      assertThat(ready.getJsonObject("checks").getString("redis")).isEqualTo("up");
      assertThat(ready.getJsonObject("redisNodes").getMap()).hasSize(6).allSatisfy((node, state) ->
          assertThat(state).as(node).isEqualTo("up"));

      workers.create(DELIVERIES);
      TwoWorkers.Outcome outcome = workers.awaitAllDelivered(DELIVERIES);
      assertThat(outcome.duplicated()).as("delivery ids received twice").isZero();

      Await.until("the nodes gauge to count six nodes up", Duration.ofSeconds(30),
          () -> NODES_UP.matcher(workers.metrics(0)).find(), () -> workers.metrics(0));
      // Depth is read shard by shard, each on its own master (as stats and the gauge do).
      assertThat(workers.instances.get(0).queue().depthByShard().await()).hasSize(SHARDS);
    }
  }

  @Test
  @Order(2)
  void aMasterKilledMidRunLosesNothing() {
    try (TwoWorkers workers = new TwoWorkers(DATABASE.infra(), redis())) {
      String shardKey = workers.instances.get(0).queue().key(0);
      int victim = cluster.masterOf(shardKey, cluster.ports.get(0));
      Thread creates = new Thread(() -> workers.create(DELIVERIES), "creates");
      creates.start();
      Await.until("a fifth of the deliveries to arrive", Duration.ofSeconds(60),
          () -> workers.deliveriesReceived() >= DELIVERIES / 5);
      cluster.kill(victim);
      assertThat(workers.deliveriesReceived()).as("deliveries received when the master died").isLessThan(DELIVERIES);
      List<Integer> alive = cluster.ports.stream().filter(port -> port != victim).toList();
      cluster.awaitOk(alive);
      join(creates);

      TwoWorkers.Outcome outcome = workers.awaitAllDelivered(DELIVERIES);
      // RELIABILITY.md: a Redis failover by itself sends nothing twice (claims are in Postgres).
      assertThat(outcome.duplicated()).as("delivery ids received twice").isZero();
      int newMaster = cluster.masterOf(shardKey, alive.get(0));
      assertThat(newMaster).as("the shard's master after the failover").isNotEqualTo(victim);
      Await.until("readiness to list the killed node down and Redis up", Duration.ofSeconds(30), () -> {
        JsonObject ready = workers.readiness(0);
        return "up".equals(ready.getJsonObject("checks").getString("redis"))
            && ready.getJsonObject("redisNodes").getString("127.0.0.1:" + victim, "").startsWith("down");
      }, () -> workers.readiness(0).encodePrettily());
    }
  }

  static void join(Thread thread) {
    try {
      thread.join(TimeUnit.MINUTES.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    assertThat(thread.isAlive()).as("creates still running").isFalse();
  }
}
