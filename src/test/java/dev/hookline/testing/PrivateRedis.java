package dev.hookline.testing;

import java.io.IOException;
import java.time.Duration;

/**
 * A redis-server of a test's own on a free loopback port (no persistence), so a test can kill it and
 * bring it back on the same port without touching the shared server. {@link #close()} kills it.
 */
public final class PrivateRedis implements AutoCloseable {
  private static final Duration READY = Duration.ofSeconds(30);

  public final int port;
  private final String password;
  private Process process;

  private PrivateRedis(int port, String password) {
    this.port = port;
    this.password = password;
  }

  /** {@code password} is required of clients (requirepass), so a test can check it never shows. */
  public static PrivateRedis start(String password) {
    PrivateRedis redis = new PrivateRedis(PrivatePostgres.freePort(), password);
    redis.restart();
    return redis;
  }

  /** The URL clients use, password included. */
  public String url() {
    return "redis://:" + password + "@127.0.0.1:" + port;
  }

  /** Kills the server (SIGKILL, as a crash would) and waits until it is gone. */
  public synchronized void kill() {
    if (process != null) {
      LocalRedisServers.killAndWait(process);
      process = null;
    }
  }

  /** Starts the server on the same port, empty, and waits until it answers PING. */
  public synchronized void restart() {
    kill();
    try {
      process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no", "--requirepass", password)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server: " + e.getMessage(), e);
    }
    Await.until("redis-server on port " + port + " to answer", READY, this::answers);
  }

  private boolean answers() {
    // Without AUTH it answers -NOAUTH: up, and asking for the password.
    return LocalRedisServers.pingReply(port).startsWith("-NOAUTH");
  }

  @Override
  public void close() {
    kill();
  }
}
