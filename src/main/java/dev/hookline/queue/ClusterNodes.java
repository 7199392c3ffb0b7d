package dev.hookline.queue;

import dev.hookline.config.HooklineConfig;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The nodes of a Redis Cluster and whether they can be reached, for readiness and the nodes gauge.
 * The node list is the cluster's own ({@code CLUSTER NODES}, from any node that answers). Each
 * master that owns slots is then asked something through this process's client, routed by a key in
 * the master's first slot: "up" means this worker reaches it, not only that its peers do. Replicas
 * serve nothing Hookline asks, so for them the cluster's view (flags, link) is reported.
 */
public final class ClusterNodes {
  private static final long PROBE_TIMEOUT_MILLIS = 2_000;
  /** {@code CLUSTER NODES} goes to a random node; a dead one is skipped by asking again. */
  private static final int LIST_ATTEMPTS = 3;

  private final Redis redis;
  private final String keyPrefix;

  ClusterNodes(Redis redis, String keyPrefix) {
    this.redis = redis;
    this.keyPrefix = keyPrefix;
  }

  /**
   * {@code address} is host:port; {@code servesSlots}: a master that owns slots (a failed master whose
   * replica took over owns none); {@code state} is "up" or "down: why".
   */
  public record Node(String address, boolean servesSlots, String state) {
    public boolean up() {
      return "up".equals(state);
    }
  }

  Future<List<Node>> check() {
    return list(LIST_ATTEMPTS).compose(text -> {
      List<Future<Node>> nodes = new ArrayList<>();
      for (String line : text.split("\n")) {
        if (!line.isBlank()) {
          nodes.add(node(line.trim().split(" ")));
        }
      }
      return Future.join(nodes).transform(done -> Future.succeededFuture(nodes.stream().map(Future::result).toList()));
    });
  }

  private Future<String> list(int attempts) {
    return redis.send(Request.cmd(Command.CLUSTER).arg("NODES")).map(response -> response.toString())
        .recover(error -> attempts > 1 ? list(attempts - 1) : Future.failedFuture(error));
  }

  /** One line of CLUSTER NODES: id, ip:port@cport[,hostname], flags, master, ping, pong, epoch, link, slots… */
  private Future<Node> node(String[] fields) {
    String address = fields[1].split("@")[0];
    List<String> flags = List.of(fields[2].split(","));
    String firstRange = flags.contains("master") && fields.length > 8 && !fields[8].startsWith("[") ? fields[8] : null;
    if (firstRange != null && !flags.contains("fail")) {
      String[] bounds = firstRange.split("-");
      int from = Integer.parseInt(bounds[0]);
      int to = Integer.parseInt(bounds[bounds.length - 1]) + 1;
      String probe = keyPrefix + ":probe:{" + ClusterSlots.tagIn(from, to) + "}";
      return redis.send(Request.cmd(Command.EXISTS).arg(probe))
          .timeout(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
          .transform(done -> Future.succeededFuture(new Node(address, true, done.succeeded() ? "up"
              : "down: " + HooklineConfig.maskPasswords(String.valueOf(done.cause().getMessage())))));
    }
    return Future.succeededFuture(new Node(address, firstRange != null, clusterView(flags,
        fields.length > 7 ? fields[7] : "")));
  }

  private static String clusterView(List<String> flags, String link) {
    if (flags.contains("fail")) {
      return "down: the cluster marks it failed";
    }
    if (flags.contains("fail?")) {
      return "down: a peer suspects it failed";
    }
    if (flags.contains("noaddr") || "disconnected".equals(link)) {
      return "down: its peers are not connected to it";
    }
    return "up";
  }
}
