package dev.hookline.cli;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL 17 and Redis that {@code run --embedded} starts from binaries inside the jar, each
 * on a free loopback port, their data under one directory ({@code postgres/}, {@code redis/}, and
 * a log file for each beside them) so that a restart finds its deliveries and schedule again.
 * Starting blocks; call it from the main thread, never from an event loop.
 */
final class EmbeddedServices implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServices.class);
  private static final Duration POSTGRES_START_TIMEOUT = Duration.ofSeconds(60);
  private static final int LOG_LINES_IN_ERRORS = 15;

  private final Path dataDir;
  private final Thread guard = new Thread(this::close, "hookline-embedded-guard");
  private EmbeddedPostgres postgres;
  private EmbeddedRedis redis;
  private boolean closed;

  private EmbeddedServices(Path dataDir) {
    this.dataDir = dataDir;
  }

  /**
   * Starts PostgreSQL, then Redis; a failure stops whatever had started and says which server failed,
   * why, and where its data and log are.
   */
  static EmbeddedServices start(Path dataDir) {
    EmbeddedServices services = new EmbeddedServices(dataDir.toAbsolutePath().normalize());
    // Until RunCommand's own hook takes over, a signal during start-up still stops what has started.
    Runtime.getRuntime().addShutdownHook(services.guard);
    try {
      Files.createDirectories(services.dataDir);
      services.startPostgres();
      services.startRedis();
    } catch (IOException | RuntimeException e) {
      services.close();
      throw e instanceof EmbeddedStartException failed ? failed
          : new EmbeddedStartException("cannot use data directory " + services.dataDir + ": " + e.getMessage(), e);
    }
    return services;
  }

  private void startPostgres() {
    Path pgData = dataDir.resolve("postgres");
    Path log = dataDir.resolve("postgres.log");
    refuseRoot(pgData);
    try {
      refuseIfStillRunning(pgData.resolve("postmaster.pid"), "postgres", "PostgreSQL", pgData);
      postgres = EmbeddedPostgres.builder()
          .setDataDirectory(pgData)
          .setCleanDataDirectory(false)
          // RunCommand stops it after Hookline has drained; the library's own hook would race that.
          .setRegisterShutdownHook(false)
          // The library's test-friendly defaults lose the last commits on a crash; Hookline's replies
          // promise a durable row, so keep PostgreSQL's usual guarantees.
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setPGStartupWait(POSTGRES_START_TIMEOUT)
          .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException | RuntimeException e) {
      throw new EmbeddedStartException("embedded PostgreSQL did not start (data directory " + pgData + "): "
          + e.getMessage() + lastLines(log), e);
    }
    LOG.info("Embedded PostgreSQL 17 on 127.0.0.1:{}, data in {} (log {})", postgres.getPort(), pgData, log);
  }

  private void startRedis() {
    Path redisData = dataDir.resolve("redis");
    Path log = dataDir.resolve("redis.log");
    try {
      redis = EmbeddedRedis.start(redisData, log);
    } catch (IOException | RuntimeException e) {
      throw new EmbeddedStartException("embedded Redis did not start (data directory " + redisData + "): "
          + e.getMessage() + lastLines(log), e);
    }
    LOG.info("Embedded Redis on {}, data in {} (log {})", redis.url(), redisData, log);
  }

  /**
   * PostgreSQL refuses to run as root. The library then runs it in a user namespace ({@code
   * unshare -U}), where it is an unprivileged user; where the kernel or a container forbids that,
   * say so now instead of after a cryptic initdb failure.
   */
  private static void refuseRoot(Path pgData) {
    if (!isRoot()) {
      return;
    }
    if (LinuxUtils.isUnshareAvailable()) {
      LOG.info("Running as root: the embedded PostgreSQL runs in a user namespace (unshare -U) as an unprivileged"
          + " user, since PostgreSQL refuses to run as root");
      return;
    }
    throw new EmbeddedStartException("embedded PostgreSQL cannot run as root here (data directory " + pgData
        + "): PostgreSQL refuses to run as root, and this machine does not allow the user namespace (unshare -U)"
        + " it would otherwise run in. Run Hookline as an ordinary user, or without --embedded against your own"
        + " PostgreSQL and Redis.");
  }

  private static boolean isRoot() {
    try {
      return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    } catch (LinkageError | RuntimeException notUnix) {
      return false;
    }
  }

  /**
   * A server left running by an earlier run that never stopped (the JVM was killed) still owns the
   * data directory; starting another on it would only fail later and less clearly.
   */
  static void refuseIfStillRunning(Path pidFile, String processName, String server, Path dir) throws IOException {
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    long pid;
    try {
      pid = lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> owner = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    boolean same = owner.map(p -> p.info().command().map(c -> c.contains(processName)).orElse(false)).orElse(false);
    if (same) {
      throw new EmbeddedStartException(server + " (pid " + pid + ") from an earlier run still uses " + dir
          + ", so that run did not stop cleanly or is still running; stop it (kill " + pid + ") and start again");
    }
  }

  private static String lastLines(Path log) {
    try {
      if (!Files.isRegularFile(log)) {
        return "";
      }
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_LINES_IN_ERRORS), lines.size());
      return tail.isEmpty() ? "" : "\nLast lines of " + log + ":\n  " + String.join("\n  ", tail);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  String postgresUrl() {
    return "postgresql://postgres@127.0.0.1:" + postgres.getPort() + "/hookline";
  }

  String redisUrl() {
    return redis.url();
  }

  Path dataDir() {
    return dataDir;
  }

  /** From here on RunCommand's shutdown hook stops these servers, after Hookline. */
  void releaseGuard() {
    try {
      Runtime.getRuntime().removeShutdownHook(guard);
    } catch (IllegalStateException shuttingDown) {
      // The guard is already running and stops the servers itself.
    }
  }

  /** Redis first, then PostgreSQL; safe to call more than once and from any thread. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (redis != null) {
      redis.close();
      LOG.info("Embedded Redis stopped");
    }
    if (postgres != null) {
      try {
        postgres.close();
        LOG.info("Embedded PostgreSQL stopped");
      } catch (IOException | RuntimeException e) {
        LOG.warn("embedded PostgreSQL did not stop cleanly: {}", e.toString());
      }
    }
  }

  /** Names the server that failed and its data directory; RunCommand prints it and exits 1. */
  static final class EmbeddedStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EmbeddedStartException(String message) {
      super(message);
    }

    EmbeddedStartException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
