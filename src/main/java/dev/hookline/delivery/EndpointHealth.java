package dev.hookline.delivery;

import dev.hookline.domain.DueRef;
import dev.hookline.domain.HeldDelivery;
import dev.hookline.domain.OriginRooms;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one delivery verticle knows about the health of the origins it sends to: their circuits
 * (shared by the process, kept in Redis by the {@link CircuitBreaker}) and its own in-flight slots
 * per origin ({@link OriginSlots}). The claim asks it for rooms, the runner for admission and
 * reports each attempt's verdict to it, the pump hands it what a claim held back. Used only from
 * the verticle's event loop.
 */
public final class EndpointHealth {
  private final CircuitBreaker circuits;
  private final OriginSlots slots;

  public EndpointHealth(CircuitBreaker circuits, int maxInFlightPerOrigin) {
    this(circuits, maxInFlightPerOrigin, new InFlight());
  }

  /** {@code inFlight}: the process's count, which this verticle's attempts are added to. */
  public EndpointHealth(CircuitBreaker circuits, int maxInFlightPerOrigin, InFlight inFlight) {
    this.circuits = circuits;
    this.slots = new OriginSlots(maxInFlightPerOrigin, inFlight);
  }

  /** How many of each origin the next claim may take: slot room, none for an open circuit. */
  public OriginRooms rooms() {
    return slots.rooms(circuits.notClosed());
  }

  /**
   * Whether a claimed delivery to {@code origin} goes now, goes as its circuit's probe, or waits;
   * a call that goes is counted, and its answer must be {@link #report reported}.
   */
  public Future<CircuitBreaker.Call> admit(String origin) {
    return circuits.admit(origin);
  }

  /**
   * What the origin did on an admitted {@code call}: only a transient failure counts against it;
   * {@code verdict} null when the origin was not tried (its credential or destination failed first).
   */
  public Future<Void> report(CircuitBreaker.Call call, Verdict verdict) {
    if (verdict == null) {
      circuits.untried(call);
      return Future.succeededFuture();
    }
    return verdict == Verdict.TRANSIENT ? circuits.failed(call) : circuits.answered(call);
  }

  /** How long a delivery its circuit held back should wait before it is looked at again. */
  public Duration retryDelay(String origin) {
    return circuits.retryDelay(origin);
  }

  /** Now on the Redis clock, which every worker shares for due times and cool-downs. */
  public long redisNowMillis() {
    return circuits.redisNowMillis();
  }

  /** A Redis answer carried its clock: keeps the one offset between it and this process current. */
  public void observeRedisTime(long redisNowMillis) {
    circuits.observeRedisTime(redisNowMillis);
  }

  /** Deliveries held here for a slot of their origin that has since freed, up to {@code max}. */
  public List<Long> takeReady(int max) {
    return slots.takeReady(max);
  }

  public void started(String origin) {
    slots.acquire(origin);
  }

  public void finished(String origin, long latencyMillis) {
    slots.release(origin, latencyMillis);
  }

  /** Everything held here for a slot, for handing back to the schedule at shutdown. */
  public List<Long> drainWaiting() {
    return slots.drainWaiting();
  }

  /**
   * What the claim held back: a closed origin's deliveries wait here for a slot (one cap's
   * worth) or go back on the schedule for when it should have room; an open circuit's go back
   * for the end of its cool-down.
   */
  public Deferral defer(List<HeldDelivery> held) {
    long now = redisNowMillis();
    List<DueRef> later = new ArrayList<>();
    int busyOrigin = 0;
    for (HeldDelivery delivery : held) {
      if (circuits.gate(delivery.origin()) != CircuitBreaker.Gate.CLOSED) {
        later.add(new DueRef(delivery.id(), circuits.retryAtMillis(delivery.origin())));
        continue;
      }
      busyOrigin++;
      if (!slots.waitHere(delivery.origin(), delivery.id())) {
        later.add(new DueRef(delivery.id(), slots.heldUntilMillis(delivery.origin(), now)));
      }
    }
    return new Deferral(later, busyOrigin, held.size() - busyOrigin);
  }

  /** {@code later}: back on the schedule at these times; the counts are for the deferral metrics. */
  public record Deferral(List<DueRef> later, int busyOrigin, int circuitOpen) {
  }
}
