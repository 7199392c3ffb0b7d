package dev.hookline.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisExecProvider;

/**
 * A Redis server run from the binary that {@code org.signal:embedded-redis} ships (7.0.15), on
 * 127.0.0.1 only, with its append-only file under one directory. The process is managed here rather
 * than by the library's {@code RedisServer}, whose own shutdown hook would stop Redis while Hookline
 * still drains into it.
 */
final class EmbeddedRedis implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final String PID_FILE = "redis.pid";

  private final Process process;
  private final int port;

  private EmbeddedRedis(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Blocks until Redis answers PING (it first replays its append-only file, so a restart keeps the schedule). */
  static EmbeddedRedis start(Path dir, Path log) throws IOException {
    Files.createDirectories(dir);
    EmbeddedServices.refuseIfStillRunning(dir.resolve(PID_FILE), "redis", "Redis", dir);
    File binary = RedisExecProvider.defaultProvider().get();
    int port = EmbeddedServices.freePort();
    List<String> command = new ArrayList<>();
    if (new File("/usr/bin/setsid").canExecute()) {
      // Its own session: a Ctrl-C in the terminal reaches only the JVM, whose shutdown hook stops
      // Hookline first and Redis after it (setsid keeps the pid, as the child leads no group).
      command.add("/usr/bin/setsid");
    }
    command.addAll(List.of(binary.getAbsolutePath(),
        "--bind", "127.0.0.1", "--port", Integer.toString(port), "--protected-mode", "yes",
        "--dir", dir.toAbsolutePath().toString(), "--pidfile", dir.resolve(PID_FILE).toAbsolutePath().toString(),
        "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no"));
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    EmbeddedRedis redis = new EmbeddedRedis(process, port);
    try {
      redis.awaitPong();
    } catch (IOException | RuntimeException e) {
      redis.close();
      throw e;
    }
    return redis;
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }


  private void awaitPong() throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited with code " + process.exitValue());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
        socket.setSoTimeout(2_000);
        OutputStream out = socket.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        last = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        if ("+PONG".equals(last)) {
          return;
        }
        // "-LOADING ...": still replaying the append-only file.
      } catch (IOException notYet) {
        last = notYet.getMessage();
      }
      pause();
    }
    throw new IOException("redis-server did not answer PING within " + START_TIMEOUT.toSeconds() + " s (last: " + last + ")");
  }

  /** SIGTERM: Redis flushes its append-only file, removes its pid file and exits. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("embedded Redis did not stop within {} s; killing it", STOP_TIMEOUT.toSeconds());
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** Start-up polls from the main thread, before any Vert.x thread exists; nothing else waits on it. */
  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Redis", e);
    }
  }
}
