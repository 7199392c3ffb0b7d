package dev.hookline.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Redis Cluster of six local nodes, three masters with a replica each, built with
 * {@code redis-cli --cluster create}; a node times out after one second, so a killed master's
 * replica takes over within a few.
 */
public final class LocalRedisCluster implements AutoCloseable {
  private static final Duration FORMED = Duration.ofSeconds(60);

  public final List<Integer> ports = new ArrayList<>();
  private final LocalRedisServers servers = new LocalRedisServers("redis-cluster");

  public static LocalRedisCluster start() {
    LocalRedisCluster cluster = new LocalRedisCluster();
    try {
      cluster.form();
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  private void form() {
    List<String> create = new ArrayList<>(List.of("--cluster", "create"));
    for (int i = 0; i < 6; i++) {
      int port = LocalRedisServers.freePortPair();
      ports.add(port);
      List<String> args = LocalRedisServers.nodeArgs(port);
      args.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file", servers.dir.resolve("nodes-" + port
          + ".conf").toString(), "--cluster-node-timeout", "1000"));
      servers.start(port, args.toArray(String[]::new));
      create.add("127.0.0.1:" + port);
    }
    create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
    LocalRedisServers.cli(ports.get(0), create.toArray(String[]::new));
    awaitOk(ports);
  }

  /** Waits until each of {@code alive} says cluster_state:ok and knows who serves every slot. */
  public void awaitOk(List<Integer> alive) {
    for (int port : alive) {
      Await.until("node " + port + " to see the cluster ok", FORMED,
          () -> LocalRedisServers.cli(port, "cluster", "info").contains("cluster_state:ok"),
          () -> LocalRedisServers.cli(port, "cluster", "nodes"));
    }
  }

  /** The redis:// URL of every node. */
  public List<String> urls() {
    return ports.stream().map(port -> "redis://127.0.0.1:" + port).toList();
  }

  /** The port of the master serving {@code key}'s slot, as node {@code askPort} sees it. */
  public int masterOf(String key, int askPort) {
    int slot = Integer.parseInt(LocalRedisServers.cli(askPort, "cluster", "keyslot", key));
    for (String line : LocalRedisServers.cli(askPort, "cluster", "nodes").split("\n")) {
      String[] fields = line.trim().split(" ");
      if (!fields[2].contains("master") || fields[2].contains("fail")) {
        continue;
      }
      for (int i = 8; i < fields.length; i++) {
        String[] range = fields[i].split("-");
        if (range[0].startsWith("[")) {
          continue;
        }
        int from = Integer.parseInt(range[0]);
        int to = Integer.parseInt(range[range.length - 1]);
        if (slot >= from && slot <= to) {
          return Integer.parseInt(fields[1].split("@")[0].split(":")[1]);
        }
      }
    }
    throw new IllegalStateException("no master serves slot " + slot + " of " + key);
  }

  /** The ports of the nodes not killed. */
  public List<Integer> alive() {
    return servers.running();
  }

  /**
   * Whether the nodes refuse every key while some slots have no master that answers (Redis's
   * default, true), or go on serving their own slots (false), on every node not killed.
   */
  public void requireFullCoverage(boolean required) {
    for (int port : alive()) {
      LocalRedisServers.cli(port, "config", "set", "cluster-require-full-coverage", required ? "yes" : "no");
    }
  }

  /** Pauses one node (SIGSTOP): it hangs without closing a connection, until {@link #resume}. */
  public void pause(int port) {
    servers.signal(port, "STOP");
  }

  public void resume(int port) {
    servers.signal(port, "CONT");
  }

  /** Kills one node as a crash would. */
  public void kill(int port) {
    servers.kill(port);
  }

  @Override
  public void close() {
    servers.close();
  }
}
