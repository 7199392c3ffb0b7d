package dev.hookline.ops;

import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.DueQueue;
import dev.hookline.store.OperatorRepository;
import io.vertx.core.Future;

/** Reads the values behind the gauges that cost a query: queue depth per shard and oldest pending age. */
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
    return Future.all(depths, age).mapEmpty();
  }
}
