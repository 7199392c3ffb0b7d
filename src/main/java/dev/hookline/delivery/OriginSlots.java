package dev.hookline.delivery;

import dev.hookline.domain.OriginRooms;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * In-flight attempts per origin for one delivery verticle, against {@code delivery.maxInFlightPerOrigin}.
 * A slow receiver then holds at most that many of the verticle's slots, and the others keep
 * serving every other origin. Deliveries held back for a busy origin wait here, up to one cap's
 * worth per origin, and are claimed as soon as one of its slots frees; more than that go back on
 * the schedule. Confined to the verticle's event loop.
 */
final class OriginSlots {
  static final long MIN_WAIT_MILLIS = 50;
  static final long MAX_WAIT_MILLIS = 300_000;
  /** Until an answer has been timed, a held delivery is looked at again after this long. */
  static final long UNTIMED_WAIT_MILLIS = 500;

  private final int perOrigin;
  private final InFlight processWide;
  private final Map<String, Busy> busy = new HashMap<>();
  // Insertion-ordered, so origins take turns when slots free up for several at once.
  private final Map<String, ArrayDeque<Long>> waiting = new LinkedHashMap<>();
  private int waitingCount;

  OriginSlots(int perOrigin) {
    this(perOrigin, new InFlight());
  }

  /** {@code processWide} adds this verticle's in-flight attempts to the process's count. */
  OriginSlots(int perOrigin, InFlight processWide) {
    this.perOrigin = perOrigin;
    this.processWide = processWide;
  }

  void acquire(String origin) {
    busy.computeIfAbsent(origin, o -> new Busy()).inFlight++;
    processWide.started(origin);
  }

  /** An attempt to {@code origin} ended after {@code latencyMillis}. */
  void release(String origin, long latencyMillis) {
    Busy b = busy.get(origin);
    if (b == null) {
      return;
    }
    processWide.ended(origin);
    b.observe(latencyMillis);
    if (--b.inFlight <= 0) {
      // Only busy origins are tracked, so the map stays as small as what is in flight.
      busy.remove(origin);
    }
  }

  int inFlight(String origin) {
    Busy b = busy.get(origin);
    return b == null ? 0 : b.inFlight;
  }

  /**
   * What the next claim may take per origin: the free slots of every busy origin, none for an open
   * circuit, at most one (the probe) for a circuit whose cool-down is over; any other origin may
   * take a full {@code perOrigin}.
   */
  OriginRooms rooms(Map<String, CircuitBreaker.Gate> circuits) {
    Map<String, Integer> limited = new HashMap<>();
    busy.forEach((origin, b) -> limited.put(origin, Math.max(0, perOrigin - b.inFlight)));
    circuits.forEach((origin, gate) -> {
      int room = limited.getOrDefault(origin, perOrigin);
      limited.put(origin, gate == CircuitBreaker.Gate.OPEN ? 0 : Math.min(room, 1));
    });
    return new OriginRooms(limited, perOrigin);
  }

  /**
   * When (epoch ms, on the clock of {@code nowMillis}) a delivery held back for {@code origin}
   * should be looked at again. Held deliveries are lined up one slot-interval apart (the origin's
   * mean answer time over its cap), so they come back about as fast as slots free up instead of
   * all at once. Bounded, so a guess that is off costs little.
   */
  long heldUntilMillis(String origin, long nowMillis) {
    Busy b = busy.get(origin);
    if (b == null) {
      // Its attempts ended while the claim was out: room again, so look soon.
      return nowMillis + MIN_WAIT_MILLIS;
    }
    long perAnswer = b.meanLatencyMillis < 0 ? UNTIMED_WAIT_MILLIS : b.meanLatencyMillis;
    // The line itself is capped, not just each wait: otherwise a standing backlog would push it
    // ever further out and everything held would come back at once, at the cap.
    b.heldTailMillis = Math.min(nowMillis + MAX_WAIT_MILLIS,
        Math.max(b.heldTailMillis, nowMillis) + Math.max(1, perAnswer / Math.max(1, perOrigin)));
    return nowMillis + Math.max(MIN_WAIT_MILLIS, b.heldTailMillis - nowMillis);
  }

  /**
   * Keeps a held-back delivery here until its origin has a free slot; false when enough are
   * already waiting for it (one cap's worth), and it should go back on the schedule instead.
   */
  boolean waitHere(String origin, long id) {
    ArrayDeque<Long> line = waiting.computeIfAbsent(origin, o -> new ArrayDeque<>());
    if (line.size() >= perOrigin) {
      return false;
    }
    line.add(id);
    waitingCount++;
    return true;
  }

  /** Up to {@code max} waiting deliveries whose origin has a free slot now, oldest first per origin. */
  List<Long> takeReady(int max) {
    if (waitingCount == 0) {
      return List.of();
    }
    List<Long> ready = new ArrayList<>();
    Iterator<Map.Entry<String, ArrayDeque<Long>>> lines = waiting.entrySet().iterator();
    while (lines.hasNext() && ready.size() < max) {
      Map.Entry<String, ArrayDeque<Long>> line = lines.next();
      int room = perOrigin - inFlight(line.getKey());
      while (room-- > 0 && !line.getValue().isEmpty() && ready.size() < max) {
        ready.add(line.getValue().poll());
        waitingCount--;
      }
      if (line.getValue().isEmpty()) {
        lines.remove();
      }
    }
    return ready;
  }

  /** Everything waiting here, removed (to hand back to the schedule on shutdown). */
  List<Long> drainWaiting() {
    List<Long> all = new ArrayList<>(waitingCount);
    waiting.values().forEach(all::addAll);
    waiting.clear();
    waitingCount = 0;
    return all;
  }

  int waiting() {
    return waitingCount;
  }

  private static final class Busy {
    int inFlight;
    long meanLatencyMillis = -1;
    long heldTailMillis;

    /** An exponentially weighted mean: recent answers count most. */
    void observe(long latencyMillis) {
      meanLatencyMillis = meanLatencyMillis < 0 ? latencyMillis : (meanLatencyMillis * 7 + latencyMillis) / 8;
    }
  }
}
