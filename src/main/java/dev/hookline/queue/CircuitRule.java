package dev.hookline.queue;

/**
 * When a closed circuit opens, judged on its window's counts: at least {@code threshold} calls
 * failed, and the failures beyond the threshold are at least {@code ratePercent} % of the calls
 * beyond it. An origin that fails everything opens at exactly the threshold; as calls accumulate
 * the failure rate needed tends to {@code ratePercent} (10 of 10, 15 of 20, 30 of 50, 55 of 100 at
 * the defaults), and at 50 % the rule reads "failures outnumber the other calls by the threshold".
 * Requiring the threshold's failures on top of the rate is what keeps a small sample from opening
 * it: a receiver failing a random 25 % opens a fresh window with a chance of (1/3)^10 ≈ 1.7e-5,
 * where "10 failures and 50 %" gave 1.8 %.
 *
 * <p>{@link CircuitStore}'s scripts apply this rule inside Redis, in Lua; this is its Java statement,
 * for the rule's own tests and simulations, and {@code CircuitStoreTest} checks the two agree.
 */
public final class CircuitRule {
  private CircuitRule() {
  }

  /** Whether {@code failures} of {@code calls} open the circuit. */
  public static boolean opens(long failures, long calls, int threshold, int ratePercent) {
    return failures >= threshold && 100 * (failures - threshold) >= (long) ratePercent * (calls - threshold);
  }

  /** The fewest failures among {@code calls} (at least the threshold) that open the circuit. */
  public static long failuresToOpen(long calls, int threshold, int ratePercent) {
    long beyond = Math.max(0, calls - threshold);
    return threshold + (beyond * ratePercent + 99) / 100;
  }
}
