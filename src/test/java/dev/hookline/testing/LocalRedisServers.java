package dev.hookline.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * redis-server processes of a test's own (cluster nodes, a master and its replica, sentinels) on
 * free loopback ports, with their files in one temporary directory. {@link #close()} kills every
 * process still running and deletes the directory, whatever happened before.
 */
public final class LocalRedisServers implements AutoCloseable {
  private static final Duration READY = Duration.ofSeconds(30);

  public final Path dir;
  private final Map<Integer, Process> processes = new LinkedHashMap<>();

  public LocalRedisServers(String name) {
    try {
      dir = Files.createTempDirectory("hookline-" + name + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A free loopback port whose cluster bus port (port + 10000) is free too: the range is chosen so
   * that both stay below 65536 and clear of the ephemeral ports the kernel hands out.
   */
  public static int freePortPair() {
    for (int tries = 0; tries < 1_000; tries++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 29_000);
      if (free(port) && free(port + 10_000)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port pair found");
  }

  private static boolean free(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Starts {@code redis-server} with {@code args} (the port among them) and waits until it answers PING. */
  public synchronized void start(int port, String... args) {
    List<String> command = new ArrayList<>(List.of(args));
    command.add(0, "redis-server");
    try {
      Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start();
      processes.put(port, process);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server: " + e.getMessage(), e);
    }
    Await.until("redis-server on port " + port + " to answer", READY, () -> answersPing(port),
        () -> log(port));
  }

  /** A plain node: no persistence, loopback only. */
  public static List<String> nodeArgs(int port) {
    return new ArrayList<>(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--daemonize", "no"));
  }

  /** Kills the server on {@code port} as a crash would (SIGKILL) and waits until it is gone. */
  public synchronized void kill(int port) {
    Process process = processes.remove(port);
    if (process != null) {
      killAndWait(process);
    }
  }

  /**
   * Sends the server on {@code port} a signal by name with kill(1): {@code STOP} makes it hang as a
   * paused or partitioned host does (connections stay open, nothing answers), {@code CONT} resumes it.
   */
  public synchronized void signal(int port, String signal) {
    Process process = processes.get(port);
    if (process == null) {
      throw new IllegalStateException("no redis-server of this test on port " + port);
    }
    Shell.run("kill", "-" + signal, Long.toString(process.pid()));
  }

  /** The ports whose server this class started and has not killed. */
  public synchronized List<Integer> running() {
    return processes.entrySet().stream().filter(entry -> entry.getValue().isAlive()).map(Map.Entry::getKey).toList();
  }

  /** SIGKILL, as a crash would, and back only once the process is gone. */
  static void killAndWait(Process process) {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs redis-cli against {@code port} and answers its output. */
  public static String cli(int port, String... args) {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
    command.addAll(List.of(args));
    return Shell.run(command.toArray(String[]::new)).trim();
  }

  public String log(int port) {
    try {
      Path file = dir.resolve("redis-" + port + ".log");
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static boolean answersPing(int port) {
    return pingReply(port).startsWith("+PONG");
  }

  /** The first bytes of the server's answer to a bare PING, or "" when nothing answers. */
  static String pingReply(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      socket.setSoTimeout(500);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readNBytes(7), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public synchronized void close() {
    for (Integer port : List.copyOf(processes.keySet())) {
      kill(port);
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
