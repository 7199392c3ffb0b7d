package dev.hookline.ops;

import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.ClusterNodes;
import dev.hookline.queue.DueQueue;
import dev.hookline.store.OperatorRepository;
import io.vertx.core.Future;

/**
 * Reads the values behind the gauges that cost a query: queue depth per shard (in a cluster, each
 * shard counted on its own master), oldest pending age, and in a cluster its nodes' states.
 */
public final class GaugeRefresher {
  private final DueQueue queue;
  private final OperatorRepository operator;
  private final HooklineMetrics metrics;

  public GaugeRefresher(DueQueue queue, OperatorRepository operator, HooklineMetrics metrics) {
    this.queue = queue;
    this.operator = operator;
    this.metrics = metrics;
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
}
