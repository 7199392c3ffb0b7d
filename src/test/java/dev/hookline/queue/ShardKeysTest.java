package dev.hookline.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The key-to-slot rule against values from the Redis cluster specification, and the shard keys built on it. */
@Timeout(30)
class ShardKeysTest {

  @Test
  void crc16IsRedisXmodem() {
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);

    assertThat(ClusterSlots.crc16(check, 0, check.length)).isEqualTo(0x31C3);
  }

  @Test
  void slotsFollowTheHashTagRule() {
    assertThat(ClusterSlots.slotOf("foo")).isEqualTo(12182);
    assertThat(ClusterSlots.slotOf("{user1000}.following")).isEqualTo(ClusterSlots.slotOf("user1000"));
    // An empty tag does not count: the whole key is hashed.
    assertThat(ClusterSlots.slotOf("foo{}{bar}")).isNotEqualTo(ClusterSlots.slotOf("bar"));
    assertThat(ClusterSlots.slotOf("foo{{bar}}zap")).isEqualTo(ClusterSlots.slotOf("{bar"));
  }

  @Test
  void standaloneKeysAreTheNamesTheyAlwaysWere() {
    ShardKeys keys = ShardKeys.standalone("hookline", 4);

    assertThat(keys.clustered()).isFalse();
    assertThat(keys.key(0)).isEqualTo("hookline:due:0");
    assertThat(keys.key(3)).isEqualTo("hookline:due:3");
  }

  @Test
  void clusterShardsEachSitInTheMiddleOfTheirShareOfTheSlots() {
    for (int shards : new int[] {1, 3, 4, 16, 1024}) {
      ShardKeys keys = ShardKeys.cluster("hookline", shards);
      Set<Integer> slots = new HashSet<>();
      for (int shard = 0; shard < shards; shard++) {
        int slot = ClusterSlots.slotOf(keys.key(shard));
        double share = ClusterSlots.SLOTS / (double) shards;
        assertThat(slot).as("shard %d of %d", shard, shards)
            .isBetween((int) Math.floor(shard * share + share / 4) - 1, (int) Math.ceil((shard + 1) * share - share / 4));
        slots.add(slot);
      }
      assertThat(slots).hasSize(shards);
    }
  }

  @Test
  void clusterKeysAreTheSameForEveryWorker() {
    assertThat(ShardKeys.cluster("hl", 3).key(1)).isEqualTo(ShardKeys.cluster("hl", 3).key(1))
        .startsWith("hl:due:1:{").endsWith("}");
  }
}
