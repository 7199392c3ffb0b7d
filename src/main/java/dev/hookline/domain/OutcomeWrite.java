package dev.hookline.domain;

import java.util.List;

/**
 * One fenced outcome to record: the attempt that was claimed (its number and the row's replay count
 * then, which together are the fence), what happened, and its log row.
 * {@code events} are written and emitted only if the outcome is recorded; {@code gone} (or null)
 * asks for the endpoint to be disabled with it.
 */
public record OutcomeWrite(long deliveryId, int attempt, int replays, AttemptOutcome outcome, AttemptLog log,
                           List<OutcomeEvent> events, GoneEndpoint gone) {

  /** For a row never replayed, causing no events. */
  public OutcomeWrite(long deliveryId, int attempt, AttemptOutcome outcome, AttemptLog log) {
    this(deliveryId, attempt, 0, outcome, log, List.of(), null);
  }

  /** The same write without disabling its endpoint (when that part cannot be done, the outcome still must be). */
  public OutcomeWrite withoutGone() {
    return new OutcomeWrite(deliveryId, attempt, replays, outcome, log, events, null);
  }
}
