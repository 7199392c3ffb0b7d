package dev.hookline.domain;

/** One fenced outcome to record: the attempt that was claimed, what happened, and its log row. */
public record OutcomeWrite(long deliveryId, int attempt, AttemptOutcome outcome, AttemptLog log) {
}
