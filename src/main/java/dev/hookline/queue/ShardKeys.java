package dev.hookline.queue;

import java.util.ArrayList;
import java.util.List;

/**
 * The names of the schedule's shard keys. On one server (standalone, or a Sentinel's master) they are
 * {@code <prefix>:due:<shard>}, as they always were. In a Redis Cluster each shard gets a hash tag of
 * its own, {@code <prefix>:due:<shard>:{<tag>}}, chosen so that shard {@code i} of {@code n} hashes
 * into the {@code i}-th of {@code n} equal parts of the slot range: the shards then spread over the
 * masters (which own contiguous slot ranges) instead of landing wherever their names happen to hash.
 */
public final class ShardKeys {
  private final List<String> keys;
  private final boolean clustered;

  private ShardKeys(List<String> keys, boolean clustered) {
    this.keys = keys;
    this.clustered = clustered;
  }

  public static ShardKeys standalone(String keyPrefix, int shards) {
    List<String> keys = new ArrayList<>(shards);
    for (int shard = 0; shard < shards; shard++) {
      keys.add(keyPrefix + ":due:" + shard);
    }
    return new ShardKeys(List.copyOf(keys), false);
  }

  public static ShardKeys cluster(String keyPrefix, int shards) {
    List<String> keys = new ArrayList<>(shards);
    for (int shard = 0; shard < shards; shard++) {
      int from = (int) ((long) shard * ClusterSlots.SLOTS / shards);
      int to = (int) ((long) (shard + 1) * ClusterSlots.SLOTS / shards);
      keys.add(keyPrefix + ":due:" + shard + ":{" + ClusterSlots.tagIn(from, to) + "}");
    }
    return new ShardKeys(List.copyOf(keys), true);
  }

  public String key(int shard) {
    return keys.get(shard);
  }

  public int count() {
    return keys.size();
  }

  /** True when the keys live in different slots, so no call may name two of them. */
  public boolean clustered() {
    return clustered;
  }
}
