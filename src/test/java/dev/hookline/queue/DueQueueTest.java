package dev.hookline.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.domain.DueRef;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Redis schedule against a real Redis: atomic, bounded pops of due ids only. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DueQueueTest {
  private Redis redis;
  private DueQueue queue;
  private String prefix;

  @BeforeEach
  void setUp(Vertx vertx) {
    prefix = "hltest-queue-" + UUID.randomUUID().toString().substring(0, 8);
    redis = DueQueue.createClient(vertx, TestInfra.REDIS_URL, 8);
    queue = new DueQueue(redis, prefix, 4);
  }

  @AfterEach
  void tearDown() {
    for (int shard = 0; shard < 4; shard++) {
      redis.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.DEL).arg(queue.key(shard))).await();
    }
    redis.close().await();
  }

  @Test
  void idsAreShardedByIdModShardsUnderThePrefix() {
    queue.enqueue(10, 1_000).await();
    assertThat(queue.key(queue.shardOf(10))).isEqualTo(prefix + ":due:2");
    assertThat(queue.scoreOf(10).await()).isEqualTo(1_000L);
    assertThat(queue.scoreOf(11).await()).isNull();
  }

  /**
   * What a claim puts back as not claimable yet must not push back a score the row's holder set
   * meanwhile (its retry): the earlier of the two stays; an id not queued is added.
   */
  @Test
  void enqueueEarliestNeverMovesAQueuedIdLater() {
    queue.enqueue(10, 1_000).await();
    queue.enqueue(20, 9_000).await();

    assertThat(queue.enqueueEarliest(List.of(new DueRef(10, 5_000), new DueRef(20, 4_000), new DueRef(30, 7_000)))
        .await()).as("one id was not queued").isEqualTo(1);

    assertThat(queue.scoreOf(10).await()).as("kept, being earlier").isEqualTo(1_000L);
    assertThat(queue.scoreOf(20).await()).as("moved earlier").isEqualTo(4_000L);
    assertThat(queue.scoreOf(30).await()).isEqualTo(7_000L);
    queue.enqueueAll(List.of(new DueRef(10, 5_000))).await();
    assertThat(queue.scoreOf(10).await()).as("enqueueAll still moves it either way").isEqualTo(5_000L);
  }

  @Test
  void concurrentPopsNeverReturnTheSameIdAndRespectTheirLimit() {
    long now = System.currentTimeMillis();
    List<DueRef> due = new ArrayList<>();
    for (long id = 1; id <= 200; id++) {
      due.add(new DueRef(id, now - 1_000 + id));
    }
    assertThat(queue.enqueueAll(due).await()).isEqualTo(200);
    queue.enqueueAll(List.of(new DueRef(1_000, now + 60_000), new DueRef(1_001, now + 120_000))).await();

    List<Future<DueQueue.Popped>> pops = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      pops.add(queue.popDue(15));
    }
    Future.all(pops).await();

    List<Long> popped = new ArrayList<>();
    pops.forEach(p -> {
      assertThat(p.result().ids()).hasSizeLessThanOrEqualTo(15);
      popped.addAll(p.result().ids());
    });
    Set<Long> unique = new HashSet<>(popped);
    assertThat(popped).hasSize(200);
    assertThat(unique).hasSize(200).doesNotContain(1_000L, 1_001L);
    assertThat(queue.size().await()).isEqualTo(2);
  }

  @Test
  void dueCountCountsOnlyIdsDueByNowOverEveryShard() {
    long now = System.currentTimeMillis();
    assertThat(queue.dueCount().await()).isZero();
    List<DueRef> refs = new ArrayList<>();
    for (long id = 1; id <= 9; id++) {
      refs.add(new DueRef(id, now - 60_000));
    }
    refs.add(new DueRef(10, now + 60_000));
    refs.add(new DueRef(11, now + 3_600_000));
    queue.enqueueAll(refs).await();

    assertThat(queue.dueCount().await()).as("ids 1 to 9, on all four shards; not the two due later").isEqualTo(9);
    assertThat(queue.size().await()).isEqualTo(11);
  }

  @Test
  void aShortPopReportsTheNextDueScore() {
    long now = System.currentTimeMillis();
    queue.enqueueAll(List.of(new DueRef(1, now - 10), new DueRef(2, now + 60_000), new DueRef(3, now + 30_000))).await();

    DueQueue.Popped popped = queue.popDue(10).await();

    assertThat(popped.ids()).containsExactly(1L);
    assertThat(popped.nextDueMillis()).isEqualTo(now + 30_000);
    assertThat(popped.redisNowMillis()).isBetween(now - 5_000, now + 5_000);
    assertThat(queue.popDue(10).await().ids()).isEmpty();
  }

  @Test
  void reAddingAQueuedIdOnlyMovesItsScore() {
    assertThat(queue.enqueueAll(List.of(new DueRef(5, 100))).await()).isEqualTo(1);
    assertThat(queue.enqueueAll(List.of(new DueRef(5, 200))).await()).isZero();
    assertThat(queue.size().await()).isEqualTo(1);
    assertThat(queue.scoreOf(5).await()).isEqualTo(200L);
  }
}
