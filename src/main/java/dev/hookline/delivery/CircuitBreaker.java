package dev.hookline.delivery;

import dev.hookline.config.HooklineConfig;
import dev.hookline.domain.TimeSource;
import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.CircuitState;
import dev.hookline.queue.CircuitStore;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-origin circuit breaking for one worker process. The state lives in Redis ({@link
 * CircuitStore}) so every worker sees the same circuits; this keeps a local view of it, refreshed
 * on a timer and updated at once by this process's own transitions, so the hot path (claims and
 * sends to healthy origins) never waits on Redis. Shared by all delivery verticles of the process.
 */
public final class CircuitBreaker {
  private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);
  /** A closed origin's failure count is forgotten after this long without another failure. */
  static final Duration FORGET_AFTER = Duration.ofMinutes(10);
  /** A Redis that does not answer must not hold a send or a start-up for longer than this. */
  private static final long REDIS_TIMEOUT_MILLIS = 5_000;

  /** What may happen with a due delivery to an origin. */
  public enum Gate {
    /** Send it. */
    CLOSED,
    /** Its cool-down is running: defer it without using an attempt. */
    OPEN,
    /** The cool-down is over: one worker may send one probe, the rest wait. */
    PROBE
  }

  /** What to do with a claimed delivery. */
  public enum Admission {
    /** Send it as usual. */
    SEND,
    /** Send it as the circuit's one probe: its answer closes or re-opens the circuit. */
    PROBE,
    /** Do not send it now: give the claim back. */
    WAIT
  }

  private static final Future<Admission> SEND = Future.succeededFuture(Admission.SEND);
  private static final Future<Admission> WAIT = Future.succeededFuture(Admission.WAIT);

  private final CircuitStore store;
  private final HooklineConfig.Circuit config;
  private final Duration probeLease;
  private final HooklineMetrics metrics;
  private final TimeSource time;
  private final Map<String, CircuitState> known = new ConcurrentHashMap<>();
  private volatile long redisClockOffsetMillis;

  /** {@code probeLease}: how long a granted probe keeps others from probing (as long as a claim's lease). */
  public CircuitBreaker(CircuitStore store, HooklineConfig.Circuit config, Duration probeLease, HooklineMetrics metrics,
                        TimeSource time) {
    this.store = store;
    this.time = time;
    this.config = config;
    this.probeLease = probeLease;
    this.metrics = metrics;
  }

  /** No record, or a closed one with no failures counted: nothing to ask Redis about. */
  static boolean quiet(CircuitState state) {
    return state == null || (!state.open() && state.failures() == 0);
  }

  /** Pure rule: what a circuit in {@code state} allows at {@code redisNowMillis}. */
  static Gate gate(CircuitState state, long redisNowMillis) {
    if (state == null || !state.open()) {
      return Gate.CLOSED;
    }
    return redisNowMillis < state.openUntilMillis() ? Gate.OPEN : Gate.PROBE;
  }

  Gate gate(String origin) {
    return config.enabled() ? gate(known.get(origin), redisNowMillis()) : Gate.CLOSED;
  }

  /** The origins that are not closed, with what each allows now (for the claim's per-origin rooms). */
  Map<String, Gate> notClosed() {
    if (known.isEmpty()) {
      return Map.of();
    }
    long now = redisNowMillis();
    Map<String, Gate> gates = new HashMap<>();
    known.forEach((origin, state) -> {
      Gate gate = gate(state, now);
      if (gate != Gate.CLOSED) {
        gates.put(origin, gate);
      }
    });
    return gates;
  }

  /**
   * The circuits that are not closed, as this process sees them (refreshed from Redis every second):
   * for each origin "open" while its cool-down runs, "half_open" once a probe may go, and when the
   * cool-down ends (on the Redis clock, which every worker's due times follow too).
   */
  public Map<String, OpenCircuit> openCircuits() {
    Map<String, OpenCircuit> open = new HashMap<>();
    long now = redisNowMillis();
    known.forEach((origin, state) -> {
      Gate gate = gate(state, now);
      if (gate != Gate.CLOSED) {
        open.put(origin, new OpenCircuit(gate == Gate.OPEN ? "open" : "half_open",
            Instant.ofEpochMilli(state.openUntilMillis())));
      }
    });
    return open;
  }

  /** {@code state}: open or half_open. */
  public record OpenCircuit(String state, Instant until) {
  }

  /**
   * When, on the Redis clock, a delivery to {@code origin} that may not go now should be looked at
   * again: at the end of the cool-down, or a first cool-down after now while a probe is out.
   */
  long retryAtMillis(String origin) {
    long now = redisNowMillis();
    CircuitState state = known.get(origin);
    if (state != null && state.open() && state.openUntilMillis() > now) {
      return state.openUntilMillis();
    }
    return now + config.cooldown().toMillis();
  }

  /** {@link #retryAtMillis} as a delay from now. */
  Duration retryDelay(String origin) {
    return Duration.ofMillis(Math.max(0, retryAtMillis(origin) - redisNowMillis()));
  }

  /**
   * Whether a claimed delivery to {@code origin} may go now. An origin this worker has never seen
   * fail is let through without asking Redis; one that has failed lately, or whose cool-down is
   * over, is checked in Redis, which knows if another worker opened the circuit meanwhile and hands
   * out the one probe. A Redis failure lets the send go (fail open).
   */
  Future<Admission> admit(String origin) {
    if (!config.enabled()) {
      return SEND;
    }
    CircuitState state = known.get(origin);
    if (quiet(state)) {
      return SEND;
    }
    if (gate(state, redisNowMillis()) == Gate.OPEN) {
      return WAIT;
    }
    return store.tryProbe(origin, probeLease).timeout(REDIS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).map(grant -> {
      if (grant.granted() && !grant.asProbe()) {
        return Admission.SEND;
      }
      // Not granted: opened by another worker, or someone else holds the probe. Granted: this one
      // is the probe, and the rest of this process holds off until its answer (or its hold ends).
      long until = grant.granted() ? grant.redisNowMillis() + probeLease.toMillis() : grant.untilMillis();
      known.compute(origin, (o, s) -> new CircuitState(s == null ? 0 : s.failures(), until,
          s == null || !s.open() ? 1 : s.opens(), until, grant.redisNowMillis(), grant.redisNowMillis()));
      return grant.granted() ? Admission.PROBE : Admission.WAIT;
    }).recover(error -> {
      LOG.warn("origin={} circuit state could not be read from Redis ({}); sending anyway", origin,
          error.getMessage());
      return SEND;
    });
  }

  /** A transient failure from {@code origin}; {@code probe} when it answered this worker's probe. */
  Future<Void> failed(String origin, boolean probe) {
    if (!config.enabled()) {
      return Future.succeededFuture();
    }
    return store.failure(origin, config.failureThreshold(), config.cooldown(), config.maxCooldown(), probe)
        .timeout(REDIS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .onSuccess(failure -> {
          CircuitState state = failure.state();
          known.put(origin, state);
          if (failure.opened()) {
            LOG.warn("origin={} circuit open for {} ms ({}): its deliveries wait without using attempts", origin,
                state.openUntilMillis() - state.redisNowMillis(),
                probe ? "probe failed" : config.failureThreshold() + " transient failures in a row");
          }
          refreshGauge();
        })
        .<Void>mapEmpty()
        .recover(error -> logStoreFailure(origin, error));
  }

  /**
   * {@code origin} gave an answer that is not a transient failure: it closes the circuit and
   * resets the count. Only origins with a record cost a Redis call.
   */
  Future<Void> answered(String origin, boolean probe) {
    if (!config.enabled() || (!probe && quiet(known.get(origin)))) {
      return Future.succeededFuture();
    }
    return store.success(origin)
        .timeout(REDIS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .onSuccess(removed -> {
          // A closed mark rather than a removal: a snapshot read before this must not bring it back.
          long now = redisNowMillis();
          CircuitState before = known.put(origin, new CircuitState(0, 0, 0, 0, now, now));
          if (before != null && before.open()) {
            LOG.info("origin={} circuit closed: it answered{}", origin, probe ? " the probe" : "");
          }
          refreshGauge();
        })
        .<Void>mapEmpty()
        .recover(error -> logStoreFailure(origin, error));
  }

  /** Replaces the local view with Redis's; other workers' transitions reach this one here. */
  public Future<Void> refresh() {
    if (!config.enabled()) {
      return Future.succeededFuture();
    }
    return store.snapshot(FORGET_AFTER).timeout(REDIS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).map(snapshot -> {
      observeRedisTime(snapshot.redisNowMillis());
      long readAt = snapshot.redisNowMillis();
      // A transition this worker saw after Redis answered is newer than the snapshot: keep it.
      known.entrySet().removeIf(e -> !snapshot.states().containsKey(e.getKey())
          && e.getValue().redisNowMillis() <= readAt);
      snapshot.states().forEach((origin, state) -> known.merge(origin, state,
          (mine, theirs) -> mine.redisNowMillis() > readAt ? mine : theirs));
      refreshGauge();
      return null;
    });
  }

  private void refreshGauge() {
    metrics.openCircuits((int) known.values().stream().filter(CircuitState::open).count());
  }

  /**
   * The one offset between the Redis clock and this process's, kept current by every Redis answer
   * that carries the time (pops and snapshots), so all workers judge due times and cool-downs alike.
   */
  void observeRedisTime(long redisNowMillis) {
    redisClockOffsetMillis = redisNowMillis - time.millis();
  }

  long redisNowMillis() {
    return time.millis() + redisClockOffsetMillis;
  }

  private static Future<Void> logStoreFailure(String origin, Throwable error) {
    LOG.warn("origin={} circuit state could not be updated in Redis ({})", origin, error.getMessage());
    return Future.succeededFuture();
  }
}
