-- An attempt whose outcome the fence keeps off its row (a newer attempt took the row after its
-- lease ran out, or the delivery was cancelled while it was in flight) was still sent, and the
-- receiver may have acted on it. It is logged with outcome 'cancelled'; the row is not changed.
ALTER TABLE webhook_delivery_attempts DROP CONSTRAINT webhook_delivery_attempts_outcome_check;
ALTER TABLE webhook_delivery_attempts ADD CONSTRAINT webhook_delivery_attempts_outcome_check
    CHECK (outcome IN ('succeeded', 'retry', 'dead_letter', 'cancelled'));
