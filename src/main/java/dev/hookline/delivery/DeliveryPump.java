package dev.hookline.delivery;

import dev.hookline.domain.ClaimResult;
import dev.hookline.domain.ClaimedDelivery;
import dev.hookline.domain.DueRef;
import dev.hookline.domain.TimeSource;
import dev.hookline.metrics.HooklineMetrics;
import dev.hookline.queue.DueQueue;
import dev.hookline.queue.Outage;
import dev.hookline.store.DeliveryRepository;
import dev.hookline.store.StorageFailures;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps up to {@code maxInFlight} attempts running for one verticle instance: pop due ids (never
 * more than the free slots), claim them in one statement, run each, and pop again as slots free.
 * The claim keeps each origin within its in-flight cap and leaves origins with an open circuit
 * alone; what it holds back stays unclaimed, so it uses no attempt, and waits here for a slot or
 * goes back on the schedule for later.
 * When the schedule runs dry it sleeps until the next due score (bounded by the idle poll), or
 * until a wake signal says something new was queued. Each answered claim, empty pop and finished
 * attempt is marked as progress ({@link PumpProgress}). All state is confined to the verticle's
 * event loop, so no locking is needed.
 */
final class DeliveryPump {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryPump.class);
  private static final long ERROR_BACKOFF_MILLIS = 1_000;
  /** Longest wait between tries while Redis or Postgres keeps failing, unless the idle poll is longer. */
  private static final long MAX_ERROR_BACKOFF_MILLIS = 5_000;
  private static final long UNCLAIM_MAX_BACKOFF_MILLIS = 30_000;
  /** About five minutes of tries at the longest backoff. */
  private static final int UNCLAIM_TRIES = 14;

  private final Vertx vertx;
  private final DueQueue queue;
  private final DeliveryRepository repository;
  private final AttemptRunner runner;
  private final EndpointHealth health;
  private final TimeSource time;
  private final HooklineMetrics metrics;
  private final int maxInFlight;
  private final Duration lease;
  private final long idlePollMillis;
  private final Backoff errorBackoff;
  private final PumpProgress.Mark progress;
  /** False while this worker must not claim (the schema is newer than it may work with): it then only looks again. */
  private final BooleanSupplier claimsAllowed;

  private int inFlight;
  private boolean popping;
  private boolean wakeDuringPop;
  private boolean stopping;
  private long timerId = -1;
  private Promise<Void> drained;

  DeliveryPump(Vertx vertx, DueQueue queue, DeliveryRepository repository, AttemptRunner runner,
               EndpointHealth health, HooklineMetrics metrics, TimeSource time, int maxInFlight, Duration lease,
               Duration idlePoll, PumpProgress progress,
               BooleanSupplier claimsAllowed) {
    this.vertx = vertx;
    this.queue = queue;
    this.repository = repository;
    this.runner = runner;
    this.health = health;
    this.metrics = metrics;
    this.time = time;
    this.maxInFlight = maxInFlight;
    this.lease = lease;
    this.idlePollMillis = Math.max(1, idlePoll.toMillis());
    this.claimsAllowed = claimsAllowed;
    this.errorBackoff = new Backoff(Math.min(ERROR_BACKOFF_MILLIS, idlePollMillis),
        Math.max(MAX_ERROR_BACKOFF_MILLIS, idlePollMillis));
    this.progress = progress.start();
  }

  /** Something was queued: look now rather than at the next timer. */
  void wake() {
    if (popping) {
      wakeDuringPop = true;
      return;
    }
    pump();
  }

  private void pump() {
    int free = maxInFlight - inFlight;
    if (stopping || popping || free <= 0) {
      return;
    }
    if (!claimsAllowed.getAsBoolean()) {
      schedule(idlePollMillis);
      return;
    }
    cancelTimer();
    popping = true;
    wakeDuringPop = false;
    List<Long> ready = health.takeReady(Math.min(free, DueQueue.MAX_POP));
    if (!ready.isEmpty()) {
      // Waiting here for a slot of their origin, which is free now: claimed without a pop. If the
      // claim fails they are overdue in Postgres and missing from Redis, so the sweeper restores them.
      claimAndStart(ready, health.redisNowMillis()).onComplete(ar -> stepDone(ar.cause(), -1));
      return;
    }
    int requested = Math.min(free, DueQueue.MAX_POP);
    // Bounded by the lease: a hung connection must not stop this worker for good.
    queue.popDue(requested)
        .timeout(lease.toMillis(), TimeUnit.MILLISECONDS)
        .compose(popped -> {
          health.observeRedisTime(popped.redisNowMillis());
          if (popped.ids().isEmpty()) {
            progress.progressed();
          }
          return claimAndStart(popped.ids(), popped.redisNowMillis()).map(popped);
        })
        .onComplete(ar -> {
          boolean full = ar.succeeded() && (ar.result().ids().size() >= requested || wakeDuringPop);
          stepDone(ar.cause(), ar.failed() || full ? -1 : sleepMillis(ar.result()));
        });
  }

  /** One pop or claim finished: look again at once ({@code sleepMillis} < 0), later, or after an error. */
  private void stepDone(Throwable error, long sleepMillis) {
    popping = false;
    if (stopping) {
      completeDrainIfIdle();
      return;
    }
    if (error != null) {
      long retryMillis = errorBackoff.failed();
      // An unreachable Redis is logged once, by the schedule's Outage, however long it lasts.
      if (!Outage.isReported(error)) {
        LOG.warn("popping or claiming due deliveries failed ({}); retrying in {} ms", error.getMessage(), retryMillis);
      }
      schedule(retryMillis);
      return;
    }
    errorBackoff.succeeded();
    if (sleepMillis < 0) {
      pump();
    } else {
      schedule(sleepMillis);
    }
  }

  private Future<Void> claimAndStart(List<Long> ids, long redisNowMillis) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    if (stopping || !claimsAllowed.getAsBoolean()) {
      // Stopped (or told to stop claiming) while popping: hand the ids back rather than claim.
      return queue.enqueueAll(ids.stream().map(id -> new DueRef(id, redisNowMillis)).toList()).mapEmpty();
    }
    // Ids popped but not claimed are lost from Redis if this fails; the sweeper re-injects them.
    // The lease starts when Postgres runs the claim, so the attempts' deadline counts from before it.
    long claimedAtNanos = time.nanoTime();
    long token = ThreadLocalRandom.current().nextLong();
    return repository.claim(ids, lease, health.rooms(), token)
        .timeout(lease.toMillis(), TimeUnit.MILLISECONDS)
        .onFailure(error -> unclaimIfUnknown(ids, token, error))
        .compose(result -> {
          progress.progressed();
          result.claimed().forEach(delivery -> start(delivery, claimedAtNanos));
          runner.expire(result.ended());
          return backOnSchedule(result);
        });
  }

  /**
   * A claim whose answer never came (it timed out, or its connection broke mid-statement) may have
   * committed: its claims were never sent, so they are given back by their token rather than left
   * to count as attempts that may have reached the receiver. Tried for a few minutes; a claim still
   * not given back then counts as unrecorded, as after a crash.
   */
  private void unclaimIfUnknown(List<Long> ids, long token, Throwable error) {
    if (!StorageFailures.mayHaveCommitted(error)) {
      return;
    }
    Retrying.untilAnswered(vertx, () -> repository.unclaim(ids, token), ERROR_BACKOFF_MILLIS, UNCLAIM_MAX_BACKOFF_MILLIS,
            UNCLAIM_TRIES, (e, delay, failures) -> LOG.debug("giving back a claim with no answer failed ({}); retrying"
                + " in {} ms", e.getMessage(), delay))
        .onSuccess(given -> {
          if (given > 0) {
            LOG.info("a claim of {} popped ids got no answer ({}); the {} it had claimed were given back unsent",
                ids.size(), error.getMessage(), given);
          }
        })
        .onFailure(e -> LOG.warn("a claim of {} popped ids got no answer ({}) and could not be given back ({}); any it"
            + " claimed are sent after their lease", ids.size(), error.getMessage(), e.getMessage()));
  }

  /** Unclaimable ids at their own due time; held ones as endpoint health decides. */
  private Future<Void> backOnSchedule(ClaimResult result) {
    // Not claimable yet (another worker's lease, or not due by the database clock): never later
    // than a score already there, which the row's holder may have just set for its retry.
    Future<Long> notYet = queue.enqueueEarliest(result.stillPending());
    if (result.held().isEmpty()) {
      return notYet.mapEmpty();
    }
    // Held back on purpose (a busy origin, an open circuit): this worker decides when they come back.
    EndpointHealth.Deferral deferral = health.defer(result.held());
    metrics.deferred("origin_limit", deferral.busyOrigin());
    metrics.deferred("circuit_open", deferral.circuitOpen());
    return Future.all(notYet, queue.enqueueAll(deferral.later())).mapEmpty();
  }

  private void start(ClaimedDelivery delivery, long claimedAtNanos) {
    inFlight++;
    health.started(delivery.origin());
    long startedNanos = time.nanoTime();
    runner.run(delivery, claimedAtNanos).onComplete(done -> {
      inFlight--;
      progress.progressed();
      health.finished(delivery.origin(), TimeUnit.NANOSECONDS.toMillis(time.nanoTime() - startedNanos));
      if (stopping) {
        completeDrainIfIdle();
        return;
      }
      pump();
    });
  }

  private void completeDrainIfIdle() {
    if (inFlight == 0 && !popping && drained != null) {
      drained.tryComplete();
    }
  }

  private long sleepMillis(DueQueue.Popped popped) {
    if (popped.nextDueMillis() < 0) {
      return idlePollMillis;
    }
    long untilDue = popped.nextDueMillis() - popped.redisNowMillis();
    return Math.max(1, Math.min(untilDue, idlePollMillis));
  }

  private void schedule(long delayMillis) {
    if (stopping || inFlight >= maxInFlight) {
      return;
    }
    cancelTimer();
    timerId = vertx.setTimer(delayMillis, id -> {
      timerId = -1;
      pump();
    });
  }

  private void cancelTimer() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  /**
   * Stops taking work and waits for in-flight attempts up to {@code grace}. Anything still running
   * after that stays under its lease in Postgres and is picked up again once the lease ends.
   */
  Future<Void> stop(Duration grace) {
    stopping = true;
    progress.close();
    cancelTimer();
    // Held here for a slot: back on the schedule, due now, for whichever worker goes on.
    long now = health.redisNowMillis();
    Future<Void> handedBack = queue.enqueueAll(health.drainWaiting().stream().map(id -> new DueRef(id, now)).toList())
        .<Void>mapEmpty()
        .recover(e -> {
          LOG.warn("held deliveries could not be handed back to the schedule ({}); the sweeper will", e.getMessage());
          return Future.succeededFuture();
        });
    drained = Promise.promise();
    if (inFlight == 0 && !popping) {
      drained.tryComplete();
    } else {
      LOG.info("waiting up to {} ms for {} in-flight deliveries", grace.toMillis(), inFlight);
      long deadline = vertx.setTimer(Math.max(1, grace.toMillis()), id -> {
        if (inFlight > 0) {
          LOG.warn("{} deliveries still in flight at the shutdown deadline; they will be retried after their lease",
              inFlight);
        }
        drained.tryComplete();
      });
      drained.future().onComplete(done -> vertx.cancelTimer(deadline));
    }
    return handedBack.compose(v -> drained.future());
  }
}
