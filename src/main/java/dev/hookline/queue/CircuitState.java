package dev.hookline.queue;

/**
 * One origin's circuit as Redis holds it (times in epoch ms on the Redis clock). {@code opens} is
 * 0 while the circuit is closed (only failures are being counted), else how many times in a row
 * it has opened; {@code openUntilMillis} is when its cool-down ends and a probe may go;
 * {@code updatedMillis} when it last changed; {@code redisNowMillis} when it was read.
 */
public record CircuitState(int failures, long openUntilMillis, int opens, long probeUntilMillis,
                           long updatedMillis, long redisNowMillis) {

  public boolean open() {
    return opens > 0;
  }

  static CircuitState parse(String value, long redisNowMillis) {
    String[] parts = value.split(",");
    return new CircuitState(Integer.parseInt(parts[0]), Long.parseLong(parts[1]), Integer.parseInt(parts[2]),
        Long.parseLong(parts[3]), Long.parseLong(parts[4]), redisNowMillis);
  }
}
