package dev.hookline;

import dev.hookline.config.ConfigException;
import dev.hookline.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fat jar's entry point: {@code java -jar hookline.jar [run] [-conf FILE]}. Runs until SIGTERM
 * or SIGINT, then stops gracefully and exits 0.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) {
    JsonObject config;
    try {
      config = ConfigLoader.load(configFile(args, System.getenv()), System.getenv());
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    Hookline hookline;
    try {
      hookline = Hookline.start(vertx, config).await();
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      vertx.close().await();
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      LOG.error("Hookline failed to start: {}", e.getMessage(), e);
      vertx.close().await();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutDown(vertx, hookline), "hookline-shutdown"));
  }

  /**
   * Runs on SIGTERM/SIGINT. The JVM would report a signal death (143) after the hooks; halting
   * with 0 once everything is closed tells the supervisor this was a clean, intended stop.
   */
  private static void shutDown(Vertx vertx, Hookline hookline) {
    LOG.info("Shutdown requested: no new work is taken, in-flight deliveries get up to {} s",
        hookline.config().delivery().shutdownGraceSeconds());
    long budgetMillis = hookline.config().delivery().shutdownGrace().toMillis() + 10_000;
    try {
      // Awaited one after the other from this plain thread: chaining vertx.close() onto a future
      // bound to an event loop would try to complete it on a loop that close() has just stopped.
      hookline.stop().toCompletionStage().toCompletableFuture().get(budgetMillis, TimeUnit.MILLISECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("shutdown did not finish cleanly: {}", e.toString());
      Runtime.getRuntime().halt(1);
    }
    Runtime.getRuntime().halt(0);
  }

  /** {@code -conf FILE} (or {@code --conf FILE}) wins over {@code HOOKLINE_CONFIG}. */
  static Path configFile(String[] args, Map<String, String> env) {
    Path file = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-conf") || arg.equals("--conf")) {
        if (i + 1 >= args.length || args[i + 1].isBlank()) {
          throw new IllegalArgumentException(arg + " needs a file name");
        }
        file = Path.of(args[++i]);
      } else if (arg.startsWith("--conf=")) {
        String name = arg.substring("--conf=".length());
        if (name.isBlank()) {
          throw new IllegalArgumentException("--conf= needs a file name");
        }
        file = Path.of(name);
      } else if (!(arg.equals("run") && i == 0)) {
        throw new IllegalArgumentException("unknown argument " + arg + "; usage: java -jar hookline.jar [run] [-conf FILE]");
      }
    }
    if (file != null) {
      return file;
    }
    String fromEnv = env.get("HOOKLINE_CONFIG");
    return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv);
  }
}
