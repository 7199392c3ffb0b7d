package dev.hookline.domain;

import java.util.List;

/**
 * One fenced outcome to record: the attempt that was claimed, what happened, and its log row.
 * {@code events} are written and emitted only if the outcome is recorded; {@code gone} (or null)
 * asks for the endpoint to be disabled with it.
 */
public record OutcomeWrite(long deliveryId, int attempt, AttemptOutcome outcome, AttemptLog log,
                           List<OutcomeEvent> events, GoneEndpoint gone) {

  public OutcomeWrite(long deliveryId, int attempt, AttemptOutcome outcome, AttemptLog log) {
    this(deliveryId, attempt, outcome, log, List.of(), null);
  }
}
