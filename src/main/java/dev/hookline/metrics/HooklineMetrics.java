package dev.hookline.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Hookline's own meters, named so Prometheus shows them as {@code hookline_*}. One instance per
 * Hookline; meters are thread-safe, so every verticle records into the same one.
 */
public final class HooklineMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gcMetrics;
  private final Map<String, Counter> created = new ConcurrentHashMap<>();
  private final Map<String, Counter> attempts = new ConcurrentHashMap<>();
  private final Map<String, Counter> deferred = new ConcurrentHashMap<>();
  private final Map<String, Counter> testDeliveries = new ConcurrentHashMap<>();
  private final Map<String, Counter> events = new ConcurrentHashMap<>();
  private final AtomicLong openCircuits = new AtomicLong();
  private final Map<Integer, AtomicLong> queueDepth = new ConcurrentHashMap<>();
  private final AtomicLong oldestPendingMillis = new AtomicLong();
  private final AtomicLong deliveryStalled = new AtomicLong();
  private final AtomicLong progressAgeMillis = new AtomicLong();
  private final Map<String, AtomicLong> redisNodes = new ConcurrentHashMap<>();
  private final Timer attemptDuration;
  private final Counter sweepReinjected;
  private final Counter consoleSignInsRefused;

  private HooklineMetrics(PrometheusMeterRegistry registry, JvmGcMetrics gcMetrics) {
    this.registry = registry;
    this.gcMetrics = gcMetrics;
    this.attemptDuration = Timer.builder("hookline.delivery.attempt.duration")
        .description("Time from sending a webhook to its answer or failure")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry);
    this.sweepReinjected = Counter.builder("hookline.sweep.reinjected")
        .description("Overdue deliveries the sweeper found missing from the Redis schedule and re-added")
        .register(registry);
    this.consoleSignInsRefused = Counter.builder("hookline.console.sign.ins.refused")
        .description("Console sign-ins refused for a token that is not valid (each answered after a delay)")
        .register(registry);
    Gauge.builder("hookline.circuits.open", openCircuits, AtomicLong::get)
        .description("Receiver origins whose circuit breaker is open: their deliveries wait without using attempts")
        .register(registry);
    Gauge.builder("hookline.oldest.pending.age", oldestPendingMillis, v -> v.get() / 1_000d)
        .description("Seconds since the oldest pending delivery was created")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder("hookline.delivery.stalled", deliveryStalled, AtomicLong::get)
        .description("1 while a delivery pump of this worker has made no progress for longer than delivery.stallSeconds"
            + " and deliveries are due, else 0")
        .register(registry);
    Gauge.builder("hookline.delivery.progress.age", progressAgeMillis, v -> v.get() / 1_000d)
        .description("Seconds since the delivery pump of this worker that has gone longest without progress last made"
            + " some (a claim, an empty pop, a finished attempt)")
        .baseUnit("seconds")
        .register(registry);
  }

  /** Records into a registry the caller owns (e.g. the one Vert.x metrics already report to). */
  public static HooklineMetrics using(PrometheusMeterRegistry registry) {
    return new HooklineMetrics(registry, null);
  }

  /** A private registry with JVM metrics bound, for embedders that did not set one up. */
  public static HooklineMetrics standalone() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    return new HooklineMetrics(registry, gc);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** {@code status}: created, existing or skipped. */
  public void created(String status) {
    created.computeIfAbsent(status, s -> Counter.builder("hookline.deliveries.created")
        .description("Create requests by result").tag("status", s).register(registry)).increment();
  }

  /** {@code outcome}: succeeded, retry or dead_letter. */
  public void attempt(String outcome, long durationMillis) {
    attempts.computeIfAbsent(outcome, o -> Counter.builder("hookline.delivery.attempts")
        .description("Recorded delivery attempts by outcome").tag("outcome", o).register(registry)).increment();
    attemptDuration.record(Duration.ofMillis(durationMillis));
  }

  /**
   * {@code reason}: origin_limit (held back while its origin was at its in-flight cap) or
   * circuit_open (its origin's circuit was open, or another worker held the probe). Neither uses
   * an attempt.
   */
  public void deferred(String reason, int count) {
    if (count > 0) {
      deferred.computeIfAbsent(reason, r -> Counter.builder("hookline.deliveries.deferred")
          .description("Due deliveries put back without an attempt, by reason").tag("reason", r).register(registry))
          .increment(count);
    }
  }

  /** One outcome event of {@code type} told (published on the bus; an event row may go with it). */
  public void event(String type) {
    events.computeIfAbsent(type, t -> Counter.builder("hookline.events")
        .description("Outcome events told, by type").tag("type", t).register(registry)).increment();
  }

  /**
   * {@code outcome}: succeeded, failed, refused (destination guard) or rate_limited. Test sends are
   * not delivery attempts and are never counted as such.
   */
  public void testDelivery(String outcome) {
    testDeliveries.computeIfAbsent(outcome, o -> Counter.builder("hookline.test.deliveries")
        .description("Test sends (POST /v1/test-deliveries, hookline.delivery.test) by outcome").tag("outcome", o)
        .register(registry)).increment();
  }

  /** A console sign-in with a token that is not valid: a rising count is someone guessing. */
  public void consoleSignInRefused() {
    consoleSignInsRefused.increment();
  }

  /** How many origins this worker currently sees with an open (or probing) circuit. */
  public void openCircuits(int count) {
    openCircuits.set(count);
  }

  public void sweepReinjected(long count) {
    if (count > 0) {
      sweepReinjected.increment(count);
    }
  }

  /** Whether delivery has stalled, and how long its most silent pump has gone without progress. */
  public void deliveryProgress(boolean stalled, double silentSeconds) {
    deliveryStalled.set(stalled ? 1 : 0);
    progressAgeMillis.set(Math.round(silentSeconds * 1_000));
  }

  public void queueDepth(int shard, long depth) {
    queueDepth.computeIfAbsent(shard, s -> {
      AtomicLong value = new AtomicLong();
      Gauge.builder("hookline.queue.depth", value, AtomicLong::get)
          .description("Delivery ids scheduled in a Redis shard").tag("shard", Integer.toString(s)).register(registry);
      return value;
    }).set(depth);
  }

  /** In a Redis Cluster: how many of its nodes this worker found up and down (see readiness). */
  public void redisNodes(long up, long down) {
    redisNodeGauge("up").set(up);
    redisNodeGauge("down").set(down);
  }

  private AtomicLong redisNodeGauge(String state) {
    return redisNodes.computeIfAbsent(state, s -> {
      AtomicLong value = new AtomicLong();
      Gauge.builder("hookline.redis.nodes", value, AtomicLong::get)
          .description("Nodes of the Redis Cluster by state: up (reachable; for replicas, as the cluster sees them)"
              + " or down").tag("state", s).register(registry);
      return value;
    });
  }

  public void oldestPendingAge(double seconds) {
    oldestPendingMillis.set(Math.round(seconds * 1_000));
  }

  /** Reports 1 while {@code incompatible} says the schema is newer than this build may work with (it claims nothing then). */
  public void schemaIncompatibleWhile(BooleanSupplier incompatible) {
    Gauge.builder("hookline.schema.incompatible", incompatible, s -> s.getAsBoolean() ? 1 : 0)
        .description("1 while the database's schema is newer than this build may work with: it claims no"
            + " deliveries then (docs/operations.md#upgrading)")
        .strongReference(true)
        .register(registry);
  }

  /** Prometheus text exposition of everything in the registry. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    if (gcMetrics != null) {
      gcMetrics.close();
    }
  }

}
