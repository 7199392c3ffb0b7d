package dev.hookline.delivery;

import dev.hookline.queue.CircuitStore.Counts;

/**
 * The calls this process made to one origin that its circuit's shared window has not counted yet.
 * Calls are numbered in the order they start. A start is reported once a call started no earlier
 * has been answered: the window then holds every call sent before each answer it counts, so a
 * burst whose failures come back before its successes is judged against the whole burst, and a
 * run of failures with nothing else on the wire is counted call for call. Shared by the process's
 * delivery verticles, so every method holds the tally's lock (a few field updates).
 */
final class CallTally {
  private long started;
  private long answeredUpTo;
  private long reportedUpTo;
  private int succeeded;
  private int inFlight;

  /** A call starts: its number, to hand back with its answer. */
  synchronized long start() {
    inFlight++;
    return ++started;
  }

  /** Call {@code number} succeeded (or got another answer that is not a transient failure). */
  synchronized void succeeded(long number) {
    answered(number);
    succeeded++;
  }

  /**
   * Call {@code number} failed: what to report with the failure, which is sent at once. Calls
   * started after it and still on the wire are left for a later report.
   */
  synchronized Counts failed(long number) {
    answered(number);
    return take();
  }

  /**
   * Call {@code number} never reached the origin (its credential or destination failed first). It
   * is left among the calls, counted as one that did not fail if a later call is answered: rare,
   * and only ever toward keeping the circuit closed.
   */
  synchronized void untried() {
    inFlight--;
  }

  /** What has not been reported yet, now reported: starts up to the latest answered call, and successes. */
  synchronized Counts take() {
    Counts counts = new Counts((int) (answeredUpTo - reportedUpTo), succeeded);
    reportedUpTo = answeredUpTo;
    succeeded = 0;
    return counts;
  }

  /** Nothing on the wire and nothing to report: the tally may go. */
  synchronized boolean idle() {
    return inFlight == 0 && answeredUpTo == reportedUpTo && succeeded == 0;
  }

  private void answered(long number) {
    inFlight--;
    answeredUpTo = Math.max(answeredUpTo, number);
  }
}
