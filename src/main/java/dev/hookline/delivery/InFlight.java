package dev.hookline.delivery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Attempts in flight per origin in this process, summed over its delivery verticles (each keeps
 * its own {@link OriginSlots}, on its own event loop): what the console shows. Other workers'
 * attempts are not counted; only origins with something in flight are kept.
 */
public final class InFlight {
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

  void started(String origin) {
    counts.computeIfAbsent(origin, o -> new AtomicInteger()).incrementAndGet();
  }

  void ended(String origin) {
    counts.computeIfPresent(origin, (o, count) -> count.decrementAndGet() <= 0 ? null : count);
  }

  public int of(String origin) {
    AtomicInteger count = counts.get(origin);
    return count == null ? 0 : count.get();
  }
}
