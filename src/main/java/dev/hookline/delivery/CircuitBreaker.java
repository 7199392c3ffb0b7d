package dev.hookline.delivery;

import dev.hookline.config.HooklineConfig;
import dev.hookline.domain.TimeSource;
import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.CircuitState;
import dev.hookline.queue.CircuitStore;
import dev.hookline.queue.CircuitStore.Counts;
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
 * CircuitStore}) so every worker sees the same circuits and counts into the same windows; this
 * keeps a local view of it, refreshed every second and updated at once by the answers to this
 * process's own reports, so the hot path (claims and sends to closed circuits) never waits on Redis.
 * It counts its calls per origin ({@link CallTally}): a transient failure is reported at once with
 * the calls behind it, the rest go in one call for all origins with the refresh. Shared by all
 * delivery verticles of the process.
 */
public final class CircuitBreaker {
  private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);
  /** An open circuit nothing has touched for this long after its cool-down and probe is forgotten. */
  static final Duration FORGET_OPEN_AFTER = Duration.ofMinutes(10);
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

  /** One claimed delivery's turn at its origin: whether it goes, and what counting its answer takes. */
  public static final class Call {
    private final String origin;
    private final Admission admission;
    private final CallTally tally;
    private final long number;
    private final long startedAtMillis;

    private Call(String origin, Admission admission, CallTally tally, long number, long startedAtMillis) {
      this.origin = origin;
      this.admission = admission;
      this.tally = tally;
      this.number = number;
      this.startedAtMillis = startedAtMillis;
    }

    public Admission admission() {
      return admission;
    }
  }

  private final CircuitStore store;
  private final HooklineConfig.Circuit config;
  private final Duration probeLease;
  private final Duration keepClosed;
  private final HooklineMetrics metrics;
  private final TimeSource time;
  private final Map<String, CircuitState> known = new ConcurrentHashMap<>();
  private final Map<String, CallTally> tallies = new ConcurrentHashMap<>();
  private volatile long redisClockOffsetMillis;

  /** {@code probeLease}: how long a granted probe keeps others from probing (as long as a claim's lease). */
  public CircuitBreaker(CircuitStore store, HooklineConfig.Circuit config, Duration probeLease, HooklineMetrics metrics,
                        TimeSource time) {
    this.store = store;
    this.time = time;
    this.config = config;
    this.probeLease = probeLease;
    // A send is answered within a lease of its start: a closed record is kept at least that long,
    // so a late failure of a send from before the close is still recognised as one.
    this.keepClosed = config.window().compareTo(probeLease) > 0 ? config.window() : probeLease;
    this.metrics = metrics;
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
      // This process holds off until the probe's answer or the end of its hold (a lease), but the
      // answer is due within a send's timeout: what it held back must not wait out the whole hold.
      boolean probeOut = state.probeUntilMillis() >= state.openUntilMillis();
      return probeOut ? Math.min(state.openUntilMillis(), now + config.cooldown().toMillis()) : state.openUntilMillis();
    }
    return now + config.cooldown().toMillis();
  }

  /** {@link #retryAtMillis} as a delay from now. */
  Duration retryDelay(String origin) {
    return Duration.ofMillis(Math.max(0, retryAtMillis(origin) - redisNowMillis()));
  }

  /**
   * Whether a claimed delivery to {@code origin} may go now, as this process sees its circuit: a
   * closed one lets it go at once, counted as a call; an open one holds it back until its cool-down
   * ends, and then asks Redis, which hands out the one probe (and knows if another worker closed it
   * meanwhile). A Redis failure lets the send go (fail open).
   */
  Future<Call> admit(String origin) {
    if (!config.enabled()) {
      return Future.succeededFuture(new Call(origin, Admission.SEND, null, 0, 0));
    }
    long now = redisNowMillis();
    Gate gate = gate(known.get(origin), now);
    if (gate == Gate.CLOSED) {
      return Future.succeededFuture(start(origin, now));
    }
    if (gate == Gate.OPEN) {
      return Future.succeededFuture(new Call(origin, Admission.WAIT, null, 0, now));
    }
    return store.tryProbe(origin, probeLease).timeout(REDIS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).map(grant -> {
      long redisNow = grant.redisNowMillis();
      if (grant.granted() && !grant.asProbe()) {
        // Closed meanwhile, by another worker's probe.
        known.put(origin, CircuitState.closed(redisNow));
        refreshGauge();
        return start(origin, redisNow);
      }
      // Not granted: someone else holds the probe. Granted: this one is the probe, and the rest of
      // this process holds off until its answer (or its hold ends).
      long until = grant.granted() ? redisNow + probeLease.toMillis() : grant.untilMillis();
      known.compute(origin, (o, s) -> new CircuitState(0, 0, s == null || !s.open() ? 1 : s.opens(), until, until,
          redisNow, redisNow));
      return new Call(origin, grant.granted() ? Admission.PROBE : Admission.WAIT, null, 0, redisNow);
    }).recover(error -> {
      LOG.warn("origin={} circuit state could not be read from Redis ({}); sending anyway", origin,
          error.getMessage());
      return Future.succeededFuture(start(origin, redisNowMillis()));
    });
  }

  /** A call to {@code origin} goes, numbered in its tally (made here if need be, atomically with the refresh's removal). */
  private Call start(String origin, long redisNowMillis) {
    CallTally[] tally = new CallTally[1];
    long[] number = new long[1];
    tallies.compute(origin, (o, t) -> {
      tally[0] = t == null ? new CallTally() : t;
      number[0] = tally[0].start();
      return tally[0];
    });
    return new Call(origin, Admission.SEND, tally[0], number[0], redisNowMillis);
  }

  /**
   * {@code call} failed transiently. Reported at once, with the calls this process started before
   * it and the successes it saw since its last report; only a failed probe matters to an open
   * circuit. The answer updates the local view: that is how this process learns, at its next
   * failure, that another worker opened the circuit.
   */
  Future<Void> failed(Call call) {
    if (!config.enabled()) {
      return Future.succeededFuture();
    }
    boolean probe = call.admission == Admission.PROBE;
    Counts counts = call.tally == null ? Counts.NONE : call.tally.failed(call.number);
    return store.failure(call.origin, counts, call.startedAtMillis, probe)
        .timeout(REDIS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .onSuccess(failure -> {
          CircuitState state = failure.state();
          known.put(call.origin, state);
          if (failure.opened()) {
            LOG.warn("origin={} circuit open for {} ms ({}): its deliveries wait without using attempts", call.origin,
                state.openUntilMillis() - state.redisNowMillis(), probe ? "probe failed"
                    : state.failures() + " of " + state.calls() + " calls failed in the last "
                    + config.window().toSeconds() + " s");
          }
          refreshGauge();
        })
        .<Void>mapEmpty()
        .recover(error -> logStoreFailure(call.origin, error));
  }

  /**
   * {@code call} got an answer that is not a transient failure. Counted here and reported with the
   * next failure or refresh, so a healthy origin costs no Redis call; the probe's closes the circuit.
   */
  Future<Void> answered(Call call) {
    if (!config.enabled()) {
      return Future.succeededFuture();
    }
    if (call.admission != Admission.PROBE) {
      if (call.tally != null) {
        call.tally.succeeded(call.number);
      }
      return Future.succeededFuture();
    }
    return store.close(call.origin)
        .timeout(REDIS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .onSuccess(closed -> {
          // A closed mark rather than a removal: a snapshot read before this must not bring it back.
          known.put(call.origin, CircuitState.closed(redisNowMillis()));
          if (closed) {
            LOG.info("origin={} circuit closed: it answered the probe", call.origin);
          }
          refreshGauge();
        })
        .<Void>mapEmpty()
        .recover(error -> logStoreFailure(call.origin, error));
  }

  /** {@code call} never reached its origin (its credential or destination failed first). */
  void untried(Call call) {
    if (call.tally != null) {
      call.tally.untried();
    }
  }

  /**
   * Reports this process's counts for the closed circuits Redis keeps a window for (other origins'
   * are dropped: with no failure in the window there is nothing to weigh them against), and
   * replaces the local view with Redis's; other workers' transitions reach this one here.
   */
  public Future<Void> refresh() {
    if (!config.enabled()) {
      return Future.succeededFuture();
    }
    Map<String, Counts> counts = new HashMap<>();
    for (String origin : tallies.keySet()) {
      tallies.computeIfPresent(origin, (o, tally) -> {
        Counts taken = tally.take();
        CircuitState state = known.get(o);
        if (state != null && !state.open() && !taken.isEmpty()) {
          counts.put(o, taken);
        }
        return tally.idle() ? null : tally;
      });
    }
    return store.refresh(counts, keepClosed, FORGET_OPEN_AFTER).timeout(REDIS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .map(snapshot -> {
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
