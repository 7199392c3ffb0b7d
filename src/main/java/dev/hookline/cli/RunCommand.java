package dev.hookline.cli;

import dev.hookline.Hookline;
import dev.hookline.config.HooklineConfig;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Apply migrations and deliver webhooks until SIGTERM (the default command).")
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @ParentCommand
  HooklineCli parent;

  @Mixin
  ConfigOption config;

  @Option(names = "--cluster", description = "Join the Vert.x cluster (Hazelcast over TCP/IP); same as cluster.enabled")
  boolean cluster;

  @Mixin
  EmbeddedOptions embeddedOptions;

  @Override
  public Integer call() {
    ConfigOption.Loaded loaded = config.load(parent.env);
    if (cluster) {
      loaded.json().getJsonObject("cluster").put("enabled", true);
    }
    // Before any Vert.x thread exists: the embedded servers start blocking, on this thread.
    EmbeddedMode embedded = embeddedOptions.start(loaded.json());
    Vertx vertx;
    Hookline hookline;
    try {
      HooklineConfig validated = HooklineConfig.from(loaded.json());
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      vertx = VertxFactory.create(validated.cluster(), registry).await();
      try {
        hookline = embedded.startReceiver(vertx, validated)
            .compose(v -> Hookline.start(vertx, loaded.json(), registry)).await();
      } catch (RuntimeException e) {
        vertx.close().await();
        throw e;
      }
    } catch (RuntimeException e) {
      embedded.close();
      throw e;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutDown(vertx, hookline, embedded), "hookline-shutdown"));
    embedded.started(hookline);
    return HooklineCli.RUNNING;
  }

  /**
   * Runs on SIGTERM/SIGINT. The JVM would report a signal death (143) after the hooks; halting
   * with 0 once everything is closed tells the supervisor this was a clean, intended stop.
   */
  private static void shutDown(Vertx vertx, Hookline hookline, EmbeddedMode embedded) {
    LOG.info("Shutdown requested: no new work is taken, in-flight deliveries get up to {} s",
        hookline.config().delivery().shutdownGraceSeconds());
    long budgetMillis = hookline.config().delivery().shutdownGrace().toMillis() + 10_000;
    int exitCode = 0;
    try {
      // Awaited one after the other from this plain thread: chaining vertx.close() onto a future
      // bound to an event loop would try to complete it on a loop that close() has just stopped.
      hookline.stop().toCompletionStage().toCompletableFuture().get(budgetMillis, TimeUnit.MILLISECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("shutdown did not finish cleanly: {}", e.toString());
      exitCode = 1;
    }
    // Last, and also after a failed stop: Hookline's final writes need them, and halting must not
    // leave them running.
    embedded.close();
    Logging.flush();
    Runtime.getRuntime().halt(exitCode);
  }
}
