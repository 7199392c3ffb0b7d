package dev.hookline.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.LongBinaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The open decision on a window's counts, and what it costs a receiver that fails a random share of calls. */
@Timeout(60)
class CircuitRuleTest {
  private static final int THRESHOLD = 10;
  private static final int RATE = 50;

  @Test
  void anOriginThatFailsEverythingOpensAtExactlyTheThreshold() {
    assertThat(CircuitRule.opens(9, 9, THRESHOLD, RATE)).isFalse();
    assertThat(CircuitRule.opens(10, 10, THRESHOLD, RATE)).isTrue();
    assertThat(CircuitRule.opens(10, 10, THRESHOLD, 100)).isTrue();
    assertThat(CircuitRule.opens(10, 10, THRESHOLD, 1)).isTrue();
  }

  @Test
  void theFailureRateNeededTendsToTheRateAsCallsAccumulate() {
    assertThat(CircuitRule.failuresToOpen(10, THRESHOLD, RATE)).isEqualTo(10);
    assertThat(CircuitRule.failuresToOpen(20, THRESHOLD, RATE)).isEqualTo(15);
    assertThat(CircuitRule.failuresToOpen(50, THRESHOLD, RATE)).isEqualTo(30);
    assertThat(CircuitRule.failuresToOpen(100, THRESHOLD, RATE)).isEqualTo(55);
    assertThat(CircuitRule.failuresToOpen(1_000, THRESHOLD, RATE)).isEqualTo(505);
    assertThat(CircuitRule.failuresToOpen(3, THRESHOLD, RATE)).as("never fewer than the threshold").isEqualTo(10);
    for (long calls = 0; calls <= 300; calls++) {
      for (long failures = 0; failures <= calls; failures++) {
        for (int rate : new int[] {1, 33, 50, 90, 100}) {
          assertThat(CircuitRule.opens(failures, calls, THRESHOLD, rate))
              .as("%d of %d at %d %%", failures, calls, rate)
              .isEqualTo(failures >= CircuitRule.failuresToOpen(calls, THRESHOLD, rate));
        }
      }
    }
  }

  @Test
  void atFiftyPercentFailuresMustOutnumberTheOtherCallsByTheThreshold() {
    for (long calls = 0; calls <= 300; calls++) {
      for (long failures = 0; failures <= calls; failures++) {
        assertThat(CircuitRule.opens(failures, calls, THRESHOLD, 50))
            .isEqualTo(failures - (calls - failures) >= THRESHOLD);
      }
    }
  }

  @Test
  void atOneHundredPercentEveryCallInTheWindowMustHaveFailed() {
    assertThat(CircuitRule.opens(500, 500, THRESHOLD, 100)).isTrue();
    assertThat(CircuitRule.opens(499, 500, THRESHOLD, 100)).isFalse();
  }

  /**
   * The chance that a fresh window of a receiver failing a random 25 % of calls opens at some point
   * of its first 1,000 calls, computed exactly: (1/3)^10 ≈ 1.7e-5 with this rule (the gambler's
   * ruin of "failures outnumber the rest by 10"), against 1.8 % for "10 failures and 50 % of the
   * calls" (the rate over a small sample), and 0.25^10 ≈ 1e-6 for "10 failures and nothing else".
   */
  @Test
  void aReceiverFailingARandomQuarterAlmostNeverOpensAFreshWindow() {
    double rule = chanceOfOpening(0.25, (failures, calls) ->
        CircuitRule.opens(failures, calls, THRESHOLD, RATE) ? 1 : 0);
    double tenAndHalf = chanceOfOpening(0.25, (failures, calls) ->
        failures >= THRESHOLD && 2 * failures >= calls ? 1 : 0);

    System.out.printf("chance a fresh window at 25 %% random failures opens within 1,000 calls: %.2e with this rule,"
        + " %.2e with 10 failures and 50 %% (at 40 %% failures: %.2e)%n", rule, tenAndHalf,
        chanceOfOpening(0.40, (failures, calls) -> CircuitRule.opens(failures, calls, THRESHOLD, RATE) ? 1 : 0));
    assertThat(rule).isBetween(1.6e-5, 1.8e-5);
    assertThat(tenAndHalf).isGreaterThan(1.7e-2);
  }

  /** P(the rule holds after some call of the first 1,000), each call failing with probability {@code q}. */
  private static double chanceOfOpening(double q, LongBinaryOperator opens) {
    int calls = 1_000;
    double[] notYet = new double[calls + 2];
    notYet[0] = 1;
    double opened = 0;
    for (int n = 1; n <= calls; n++) {
      double[] next = new double[calls + 2];
      for (int f = 0; f < n; f++) {
        next[f + 1] += notYet[f] * q;
        next[f] += notYet[f] * (1 - q);
      }
      for (int f = 0; f <= n; f++) {
        if (opens.applyAsLong(f, n) == 1) {
          opened += next[f];
          next[f] = 0;
        }
      }
      notYet = next;
    }
    return opened;
  }
}
