package dev.hookline.queue;

/**
 * One origin's circuit as Redis holds it (times in epoch ms on the Redis clock). {@code opens} is
 * 0 while the circuit is closed (its window is counting), else how many times in a row it has
 * opened; {@code openUntilMillis} is when its cool-down ends and a probe may go;
 * {@code failures} and {@code calls} are what its window held when it was read (a window is
 * emptied when its circuit opens); {@code updatedMillis} is when it last changed;
 * {@code redisNowMillis} when it was read.
 */
public record CircuitState(int failures, int calls, int opens, long openUntilMillis, long probeUntilMillis,
                           long updatedMillis, long redisNowMillis) {

  public boolean open() {
    return opens > 0;
  }

  /** Closed, with an empty window: what a worker knows of a circuit it has just closed. */
  public static CircuitState closed(long redisNowMillis) {
    return new CircuitState(0, 0, 0, 0, 0, redisNowMillis, redisNowMillis);
  }

  /** {@code value}: "opens,openUntil,probeUntil,updated,failures,calls", as the snapshot script writes it. */
  static CircuitState parse(String value, long redisNowMillis) {
    String[] parts = value.split(",");
    return new CircuitState(Integer.parseInt(parts[4]), Integer.parseInt(parts[5]), Integer.parseInt(parts[0]),
        Long.parseLong(parts[1]), Long.parseLong(parts[2]), Long.parseLong(parts[3]), redisNowMillis);
  }
}
