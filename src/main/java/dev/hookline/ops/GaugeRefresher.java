package dev.hookline.ops;

import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.ClusterNodes;
import dev.hookline.queue.DueQueue;
import dev.hookline.store.OperatorRepository;
import io.vertx.core.Future;

/**
 * Reads the values behind the gauges that cost a query: queue depth per shard (in a cluster, each
 * shard counted on its own master), oldest pending age, and in a cluster its nodes' states; and, on
 * their own pass, whether delivery has stalled.
 */
public final class GaugeRefresher {
  private final DueQueue queue;
  private final OperatorRepository operator;
  private final HooklineMetrics metrics;
  private final StallCheck stall;

  public GaugeRefresher(DueQueue queue, OperatorRepository operator, HooklineMetrics metrics, StallCheck stall) {
    this.queue = queue;
    this.operator = operator;
    this.metrics = metrics;
    this.stall = stall;
  }

  public Future<Void> refresh() {
    Future<Void> depths = queue.depthByShard().map(depth -> {
      for (int shard = 0; shard < depth.size(); shard++) {
        metrics.queueDepth(shard, depth.get(shard));
      }
      return null;
    });
    Future<Void> age = operator.oldestPendingAgeSeconds().map(seconds -> {
      metrics.oldestPendingAge(seconds);
      return null;
    });
    Future<Void> nodes = queue.nodes().map(all -> {
      if (!all.isEmpty()) {
        long up = all.stream().filter(ClusterNodes.Node::up).count();
        metrics.redisNodes(up, all.size() - up);
      }
      return null;
    });
    return Future.all(depths, age, nodes).mapEmpty();
  }

  /**
   * The stall gauges. Run as a pass of their own: they read Redis only (and only while a pump is
   * silent), so a Postgres that holds up the other gauges' queries, which may be what stalled
   * delivery, cannot freeze them too.
   */
  public Future<Void> refreshStall() {
    return stall.check().map(state -> {
      metrics.deliveryProgress(state.stalled(), state.silence().toMillis() / 1_000d);
      return null;
    });
  }
}
