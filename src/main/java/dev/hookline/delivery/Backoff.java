package dev.hookline.delivery;

/**
 * A retry delay that doubles with each failure in a row, from {@code firstMillis} up to
 * {@code maxMillis}, and starts over after a success. Confined to one event loop.
 */
final class Backoff {
  private final long firstMillis;
  private final long maxMillis;
  private long nextMillis;

  Backoff(long firstMillis, long maxMillis) {
    this.firstMillis = Math.max(1, firstMillis);
    this.maxMillis = Math.max(this.firstMillis, maxMillis);
    this.nextMillis = this.firstMillis;
  }

  /** The delay before the next try after one more failure. */
  long failed() {
    long delay = nextMillis;
    nextMillis = Math.min(maxMillis, nextMillis * 2);
    return delay;
  }

  void succeeded() {
    nextMillis = firstMillis;
  }
}
