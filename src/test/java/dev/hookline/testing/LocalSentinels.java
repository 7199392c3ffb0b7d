package dev.hookline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Redis master, its replica, and three sentinels watching them as {@value #MASTER_NAME} (quorum 2,
 * down after one second), so a killed master is replaced by its replica within a few seconds.
 */
public final class LocalSentinels implements AutoCloseable {
  public static final String MASTER_NAME = "m";
  private static final Duration AGREED = Duration.ofSeconds(60);

  public final int masterPort;
  public final int replicaPort;
  public final List<Integer> sentinelPorts = new ArrayList<>();
  private final LocalRedisServers servers = new LocalRedisServers("redis-sentinel");

  private LocalSentinels() {
    masterPort = LocalRedisServers.freePortPair();
    replicaPort = LocalRedisServers.freePortPair();
  }

  public static LocalSentinels start() {
    LocalSentinels set = new LocalSentinels();
    try {
      set.form();
      return set;
    } catch (RuntimeException | Error e) {
      set.close();
      throw e;
    }
  }

  private void form() {
    servers.start(masterPort, LocalRedisServers.nodeArgs(masterPort).toArray(String[]::new));
    List<String> replica = LocalRedisServers.nodeArgs(replicaPort);
    replica.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(masterPort)));
    servers.start(replicaPort, replica.toArray(String[]::new));
    Await.until("the replica to be in sync", AGREED,
        () -> LocalRedisServers.cli(replicaPort, "info", "replication").contains("master_link_status:up"));
    for (int i = 0; i < 3; i++) {
      int port = LocalRedisServers.freePortPair();
      sentinelPorts.add(port);
      servers.start(port, writeConfig(port).toString(), "--sentinel");
    }
    for (int port : sentinelPorts) {
      Await.until("sentinel " + port + " to see the replica and the other sentinels", AGREED, () -> {
        String master = LocalRedisServers.cli(port, "sentinel", "master", MASTER_NAME);
        return master.contains("num-slaves\n1") && master.contains("num-other-sentinels\n2");
      }, () -> LocalRedisServers.cli(port, "sentinel", "master", MASTER_NAME));
    }
  }

  /** A sentinel rewrites its configuration file, so each gets one of its own. */
  private Path writeConfig(int port) {
    Path file = servers.dir.resolve("sentinel-" + port + ".conf");
    try {
      Files.writeString(file, String.join("\n",
          "port " + port,
          "bind 127.0.0.1",
          "daemonize no",
          "dir " + servers.dir,
          "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + masterPort + " 2",
          "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
          "sentinel failover-timeout " + MASTER_NAME + " 3000",
          ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  public List<String> sentinelUrls() {
    return sentinelPorts.stream().map(port -> "redis://127.0.0.1:" + port).toList();
  }

  /** The port of the master the first live sentinel names now. */
  public int currentMasterPort() {
    String answer = LocalRedisServers.cli(sentinelPorts.get(0), "sentinel", "get-master-addr-by-name", MASTER_NAME);
    return Integer.parseInt(answer.split("\n")[1].trim());
  }

  public void kill(int port) {
    servers.kill(port);
  }

  @Override
  public void close() {
    servers.close();
  }
}
