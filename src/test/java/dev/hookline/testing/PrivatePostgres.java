package dev.hookline.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.Comparator;
import java.util.UUID;

/**
 * A Postgres cluster of a test's own (Debian's postgresql-common, trust auth, a free loopback
 * port), so a test can stop, restart or kill it without touching the shared server. Removed by
 * {@link #close()}.
 */
public final class PrivatePostgres implements AutoCloseable {
  /** The newest server version Debian's postgresql-common knows of (a directory under /etc/postgresql). */
  public static final String VERSION = installedVersion();

  public final String cluster;
  public final int port;

  private PrivatePostgres(String cluster, int port) {
    this.cluster = cluster;
    this.port = port;
  }

  /** Creates and starts a cluster named {@code namePrefix} plus a random suffix. */
  public static PrivatePostgres start(String namePrefix) {
    String cluster = namePrefix + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    int port = freePort();
    Shell.run("pg_createcluster", "--start", "-p", Integer.toString(port), VERSION, cluster, "--", "--auth=trust");
    return new PrivatePostgres(cluster, port);
  }

  public String url(String database) {
    return "postgresql://postgres@127.0.0.1:" + port + "/" + database;
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /** {@code mode}: smart, fast or immediate, as pg_ctl takes it. */
  public void stop(String mode) {
    ctl(mode, "stop");
  }

  public void start() {
    ctl("fast", "start");
  }

  public void restart(String mode) {
    ctl(mode, "restart");
  }

  private void ctl(String mode, String action) {
    Shell.run("pg_ctlcluster", "--skip-systemctl-redirect", "-m", mode, VERSION, cluster, action);
  }

  @Override
  public void close() {
    Shell.run("pg_dropcluster", "--stop", VERSION, cluster);
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String installedVersion() {
    String[] versions = new File("/etc/postgresql").list();
    if (versions == null || versions.length == 0) {
      throw new IllegalStateException("no PostgreSQL server under /etc/postgresql: install Debian's postgresql");
    }
    return Arrays.stream(versions).max(Comparator.comparingDouble(Double::parseDouble)).orElseThrow();
  }
}
