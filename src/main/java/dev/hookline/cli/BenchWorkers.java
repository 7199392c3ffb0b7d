package dev.hookline.cli;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Worker processes the bench starts beside its own in-process Hookline: each is {@code hookline run}
 * with the bench's configuration (its database, key prefix and receiver rules) on a port of its own,
 * in a JVM started with the bench's own JVM options. They take deliveries from the same schedule,
 * so the measured run shows what more workers on one Postgres and one Redis do.
 */
final class BenchWorkers implements AutoCloseable {
  private static final Duration READY_WITHIN = Duration.ofSeconds(90);

  private final Path dir;
  private final List<Process> processes;
  private final List<Integer> ports;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private BenchWorkers(Path dir, List<Process> processes, List<Integer> ports) {
    this.dir = dir;
    this.processes = processes;
    this.ports = ports;
  }

  /** Starts {@code count} workers and returns once every one reports ready; their logs go to files. */
  static BenchWorkers start(JsonObject config, int count) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("hookline-bench-workers", PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    List<Process> processes = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    BenchWorkers workers = new BenchWorkers(dir, processes, ports);
    try {
      for (int i = 1; i <= count; i++) {
        int port = freePort();
        JsonObject own = config.copy();
        own.getJsonObject("http").put("port", port);
        Path file = dir.resolve("worker-" + i + ".json");
        Files.writeString(file, own.encodePrettily());
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), dev.hookline.Main.class.getName(),
            "run", "-conf", file.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("worker-" + i + ".log").toFile());
        // The file holds the merged tree already; the bench's own overrides (its database URL
        // among them) must not be laid over it a second time.
        builder.environment().keySet().removeIf(name -> name.startsWith("HOOKLINE_") && !name.equals("HOOKLINE_LOG_LEVEL"));
        processes.add(builder.start());
        ports.add(port);
      }
      for (int i = 0; i < count; i++) {
        workers.awaitReady(i);
      }
      return workers;
    } catch (IOException | InterruptedException | RuntimeException e) {
      workers.close();
      throw e;
    }
  }

  int count() {
    return processes.size();
  }

  /** CPU seconds all workers have used so far (user + system). */
  double cpuSeconds() {
    return processes.stream()
        .mapToDouble(p -> p.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0d))
        .sum();
  }

  /** One Prometheus series (name with labels, as exposed) summed over the workers. */
  double metric(String series) throws IOException, InterruptedException {
    double sum = 0;
    Pattern line = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE);
    for (int port : ports) {
      Matcher m = line.matcher(get(port, "/metrics").body());
      if (m.find()) {
        sum += Double.parseDouble(m.group(1));
      }
    }
    return sum;
  }

  private void awaitReady(int index) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    while (true) {
      Process process = processes.get(index);
      if (!process.isAlive()) {
        String log = Files.readString(dir.resolve("worker-" + (index + 1) + ".log"));
        throw new IllegalStateException("worker " + (index + 1) + " exited with " + process.exitValue() + ":\n"
            + log.substring(Math.max(0, log.length() - 2_000)));
      }
      try {
        if (get(ports.get(index), "/health/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException notListeningYet) {
        // still starting
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("worker " + (index + 1) + " not ready within " + READY_WITHIN.toSeconds() + " s");
      }
      Thread.sleep(100); // a poll of a child process's health endpoint, not a test's wait
    }
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Stops every worker as a supervisor would (SIGTERM, then its shutdown grace) and removes their files. */
  @Override
  public void close() throws IOException, InterruptedException {
    processes.forEach(Process::destroy);
    for (Process process : processes) {
      process.waitFor();
    }
    try (var files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(dir);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
