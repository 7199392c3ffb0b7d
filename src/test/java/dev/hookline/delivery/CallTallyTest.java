package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.queue.CircuitRule;
import dev.hookline.queue.CircuitStore.Counts;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How one process counts its calls to an origin, first call by call, then under the concurrency
 * it meets in production: a simulated worker keeping 64 calls on the wire, refilling each slot as
 * its answer comes back, with failures answered in about 1 ms and successes in 5 to 10 ms (the
 * order that fooled the "in a row" count), and its counts judged by {@link CircuitRule} as the
 * shared window would judge them.
 */
@Timeout(60)
class CallTallyTest {
  private static final int THRESHOLD = 10;
  private static final int RATE = 50;
  private static final int SLOTS = 64;

  @Test
  void aFailureIsReportedWithTheStartsUpToItAndTheSuccessesSinceTheLastReport() {
    CallTally tally = new CallTally();
    for (int i = 0; i < 5; i++) {
      tally.start();
    }
    tally.succeeded(2);

    assertThat(tally.failed(3)).as("calls 1 to 3, one success").isEqualTo(new Counts(3, 1));
    assertThat(tally.failed(1)).as("call 1 was already counted").isEqualTo(new Counts(0, 0));
    tally.succeeded(5);
    assertThat(tally.take()).as("calls 4 and 5: 4 is still on the wire but started before 5").isEqualTo(new Counts(2, 1));
    assertThat(tally.take()).isEqualTo(new Counts(0, 0));
  }

  @Test
  void callsStartedAfterTheLatestAnswerWaitForALaterOne() {
    CallTally tally = new CallTally();
    for (int i = 0; i < 10; i++) {
      tally.start();
    }
    assertThat(tally.failed(4)).isEqualTo(new Counts(4, 0));
    assertThat(tally.take()).as("5 to 10 are on the wire, none answered").isEqualTo(new Counts(0, 0));
  }

  @Test
  void aTallyIsIdleOnlyWithNothingOnTheWireAndNothingToReport() {
    CallTally tally = new CallTally();
    long first = tally.start();
    long second = tally.start();
    tally.untried();
    assertThat(tally.idle()).isFalse();
    tally.succeeded(second);
    assertThat(tally.idle()).as("a success to report").isFalse();
    assertThat(tally.take()).isEqualTo(new Counts(2, 1));
    assertThat(first).isEqualTo(1);
    assertThat(tally.idle()).isTrue();
  }

  /**
   * A receiver failing a random 25 %: 300 fresh windows of 3,000 calls each never open, while the
   * two rules that judged on the first answers (a streak in answer order, and 10 failures making
   * 50 % of the answered calls) open in many of them.
   */
  @Test
  void aBurstWhoseFailuresComeBackFirstDoesNotOpenTheCircuit() {
    int opened = 0;
    int streakOpened = 0;
    int answeredOpened = 0;
    for (long seed = 1; seed <= 300; seed++) {
      opened += simulate(seed, 0.25, 3_000, Counting.TALLY, true).opened ? 1 : 0;
      streakOpened += simulate(seed, 0.25, 3_000, Counting.STREAK, true).opened ? 1 : 0;
      answeredOpened += simulate(seed, 0.25, 3_000, Counting.ANSWERED, true).opened ? 1 : 0;
    }
    System.out.printf("300 windows of 3,000 calls at 25 %% random failures, failures answered first: opened %d times;"
        + " a streak in answer order would have opened %d, 10 failures and 50 %% of the answers %d%n", opened,
        streakOpened, answeredOpened);
    assertThat(opened).isZero();
    assertThat(streakOpened).as("the simulation reproduces the issue").isGreaterThan(100);
    assertThat(answeredOpened).isGreaterThan(100);
  }

  @Test
  void aDeadReceiverAnsweringInOrderOpensAtExactlyTheThreshold() {
    for (long seed = 1; seed <= 50; seed++) {
      Result dead = simulate(seed, 1.0, 3_000, Counting.TALLY, false);
      assertThat(dead.opened).isTrue();
      assertThat(dead.failures).isEqualTo(THRESHOLD);
      assertThat(dead.started).as("the threshold's failures and what was on the wire").isLessThanOrEqualTo(THRESHOLD + SLOTS);
    }
  }

  /**
   * Answered out of order, a dead receiver's calls on the wire that were sent before a counted
   * failure weigh like calls that did not fail (the breaker cannot tell them from slow successes):
   * each costs one more failure at 50 %. The receiver has then seen the threshold, those extra
   * failures and what was on the wire.
   */
  @Test
  void aDeadReceiverAnsweringOutOfOrderOpensOnceItsFailuresOutweighTheCallsStillOnTheWire() {
    int mostFailures = 0;
    for (long seed = 1; seed <= 50; seed++) {
      Result dead = simulate(seed, 1.0, 3_000, Counting.TALLY, true);
      assertThat(dead.opened).isTrue();
      assertThat(dead.failures).isBetween(THRESHOLD, THRESHOLD + SLOTS);
      assertThat(dead.started).isLessThanOrEqualTo(dead.failures + SLOTS);
      mostFailures = Math.max(mostFailures, dead.failures);
    }
    System.out.printf("dead receiver answering out of order: opened after at most %d failures%n", mostFailures);
  }

  enum Counting { TALLY, STREAK, ANSWERED }

  record Result(boolean opened, int failures, int started) {
  }

  /**
   * One worker sending {@code calls} calls to one origin, {@link #SLOTS} at a time. A failure takes
   * 1 ms (1 to 1.5 ms when {@code jitter}), a success 5 to 10 ms; counts not sent with a failure are
   * flushed every second, as the refresh does. Times in microseconds.
   */
  private static Result simulate(long seed, double failureShare, int calls, Counting counting, boolean jitter) {
    Random random = new Random(seed);
    CallTally tally = new CallTally();
    // {answer time, call number, failed}
    PriorityQueue<long[]> answers = new PriorityQueue<>((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0])
        : Long.compare(x[1], y[1]));
    long started = 0;
    long failures = 0;
    long windowStarted = 0;
    long windowSucceeded = 0;
    long answeredSuccesses = 0;
    long streak = 0;
    long nextFlush = 1_000_000;
    long now = 0;
    while (started < SLOTS) {
      started++;
      answers.add(call(random, tally.start(), now, failureShare, jitter));
    }
    while (!answers.isEmpty()) {
      long[] answer = answers.poll();
      now = answer[0];
      while (now >= nextFlush) {
        Counts flushed = tally.take();
        windowStarted += flushed.started();
        windowSucceeded += flushed.succeeded();
        nextFlush += 1_000_000;
      }
      if (answer[2] == 1) {
        failures++;
        Counts reported = tally.failed(answer[1]);
        windowStarted += reported.started();
        windowSucceeded += reported.succeeded();
        streak++;
      } else {
        tally.succeeded(answer[1]);
        answeredSuccesses++;
        streak = 0;
      }
      boolean opens = answer[2] == 1 && switch (counting) {
        case TALLY -> CircuitRule.opens(failures, Math.max(windowStarted, failures + windowSucceeded), THRESHOLD, RATE);
        case STREAK -> streak >= THRESHOLD;
        case ANSWERED -> failures >= THRESHOLD && 2 * failures >= failures + answeredSuccesses;
      };
      if (opens) {
        return new Result(true, (int) failures, (int) started);
      }
      if (started < calls) {
        started++;
        answers.add(call(random, tally.start(), now, failureShare, jitter));
      }
    }
    return new Result(false, (int) failures, (int) started);
  }

  private static long[] call(Random random, long number, long now, double failureShare, boolean jitter) {
    boolean fails = random.nextDouble() < failureShare;
    long latency = fails ? 1_000 + (jitter ? random.nextInt(500) : 0) : 5_000 + random.nextInt(5_000);
    return new long[] {now + latency, number, fails ? 1 : 0};
  }
}
