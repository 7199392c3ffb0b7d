package dev.hookline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** The packaged {@code target/hookline.jar} run as its own process, with its output collected line by line. */
public final class JarProcess {
  private static final Path JAR = Path.of("target", "hookline.jar");

  private final Process process;
  private final List<String> output;
  private final Thread reader;

  private JarProcess(Process process, List<String> output, Thread reader) {
    this.process = process;
    this.output = output;
    this.reader = reader;
  }

  /** Starts the jar with {@code args} and only {@code env} as Hookline's environment; output lines are echoed with {@code tag}. */
  public static JarProcess start(String tag, List<String> args, Map<String, String> env) throws IOException {
    assertThat(JAR).as("run `mvn package` first").exists();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-jar", JAR.toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("HOOKLINE_") || name.startsWith("WEBHOOK_DELIVERY_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          lines.add(line);
          System.out.println("[" + tag + "] " + line);
        }
      } catch (IOException ignored) {
        // the process is gone
      }
    }, tag + "-output");
    reader.setDaemon(true);
    reader.start();
    return new JarProcess(process, lines, reader);
  }

  public Process process() {
    return process;
  }

  public long pid() {
    return process.pid();
  }

  public List<String> output() {
    return output;
  }

  /** Waits until the output has been read to its end (the process exited and closed it): {@link #output()} is complete. */
  public void awaitOutputEnd(Duration timeout) throws InterruptedException {
    reader.join(timeout.toMillis());
    assertThat(reader.isAlive()).as("the output still being read after %s", timeout).isFalse();
  }

  /** Sends a signal by name (TERM, KILL, STOP, CONT) with kill(1), as an operator or supervisor would. */
  public void signal(String name) throws IOException, InterruptedException {
    // Not Process.destroy(): it also closes our end of the child's stdout, losing its last lines.
    assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor()).isZero();
  }

  public void killNow() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
