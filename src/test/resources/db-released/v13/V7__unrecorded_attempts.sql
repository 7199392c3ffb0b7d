-- An attempt is counted at claim (attempt_count), but only an attempt whose outcome was recorded
-- uses up the budget (max_attempts - budget_start attempts) that decides a dead letter. A claim
-- whose outcome never got written (the worker died, or Postgres refused the write until the
-- lease ran out) may have reached the receiver, so it must not turn the delivery into a dead
-- letter; it is sent again.
--
-- recorded_attempts: outcomes recorded in the current budget.
-- budget_start:      attempt_count when the current budget began: 0 at create, the attempt count
--                    at the moment of the last replay (a replay is recorded here, not inferred;
--                    max_attempts is raised by the fresh budget then, as before).
-- attempt_count - budget_start - recorded_attempts is then the number of unrecorded claims in the
-- current budget, which has a small bound of its own (delivery.maxUnrecordedAttempts) so a
-- delivery that crashes every worker that takes it cannot loop forever.
--
-- Both columns default to 0 without rewriting the table; final rows keep that (a replay resets
-- them anyway).
ALTER TABLE webhook_deliveries ADD COLUMN recorded_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN budget_start integer NOT NULL DEFAULT 0;

-- Pending rows: every recorded outcome left one attempt-log row, so the log says how many were
-- recorded. A pending row with a dead letter in its log was retried by an operator after it (the
-- replay raised max_attempts to the attempt count then plus a fresh budget): its budget began at
-- that attempt.
UPDATE webhook_deliveries d
SET budget_start = coalesce((SELECT max(a.attempt) FROM webhook_delivery_attempts a
                             WHERE a.delivery_id = d.id AND a.outcome = 'dead_letter'), 0)
WHERE d.status = 'pending';

UPDATE webhook_deliveries d
SET recorded_attempts = greatest(0, least(d.max_attempts - d.budget_start - 1,
      (SELECT count(*) FROM webhook_delivery_attempts a
       WHERE a.delivery_id = d.id AND a.attempt > d.budget_start AND a.attempt <= d.attempt_count)))
WHERE d.status = 'pending';
