package dev.hookline.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "stats", mixinStandardHelpOptions = true,
    description = "Print delivery counts by status, the Redis queue depth and the oldest pending age.")
final class StatsCommand implements Callable<Integer> {
  @ParentCommand
  HooklineCli parent;

  @Mixin
  ConfigOption config;

  @Option(names = "--json", description = "Print one JSON object instead of a table")
  boolean json;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    ConfigOption.Loaded loaded = config.load(parent.env);
    try (OfflineClients clients = new OfflineClients(loaded.config())) {
      clients.requirePostgres();
      clients.requireSchema();
      clients.requireRedis();
      Map<String, Long> counts = clients.operator.countByStatus().await();
      List<Long> depth = clients.queue.depthByShard().await();
      double oldest = clients.operator.oldestPendingAgeSeconds().await();
      print(spec.commandLine().getOut(), counts, depth, oldest);
    }
    return 0;
  }

  private void print(PrintWriter out, Map<String, Long> counts, List<Long> depth, double oldest) {
    long queued = depth.stream().mapToLong(Long::longValue).sum();
    if (json) {
      out.println(new JsonObject()
          .put("deliveries", new JsonObject(new LinkedHashMap<>(counts)))
          .put("queueDepth", new JsonObject().put("total", queued).put("shards", new JsonArray(List.copyOf(depth))))
          .put("oldestPendingAgeSeconds", oldest)
          .encode());
      return;
    }
    out.println("deliveries by status");
    counts.forEach((status, count) -> out.printf("  %-12s %d%n", status, count));
    out.printf("queue depth    %d  (per shard: %s)%n", queued, depth);
    out.printf("oldest pending %.1f s%n", oldest);
  }
}
