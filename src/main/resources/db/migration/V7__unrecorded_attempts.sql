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
--
-- Rewritten for issue 23 so that claims, creates and outcomes go on while it runs (the released
-- file filled the pending rows in the transaction that added the columns, holding an ACCESS
-- EXCLUSIVE lock on the table throughout). Outside a transaction
-- (V7__unrecorded_attempts.sql.conf), one statement at a time, each safe to run again; the fill
-- goes in batches that commit one by one. Same schema and the same values; a database that
-- applied the released file is not touched again. Workers older than V7 must be stopped before it
-- runs (docs/operations.md#upgrading), so nothing else changes these columns meanwhile.

-- Runs statements that need a brief ACCESS EXCLUSIVE (or SHARE ROW EXCLUSIVE) lock on a table in
-- use. While such a lock waits, every claim, create and outcome queues behind it; so it waits at
-- most 1 s (a long transaction may hold the table), lets the queue through for half a second and
-- tries again, for up to 30 minutes. A function of this session only (pg_temp): no schema change.
CREATE OR REPLACE FUNCTION pg_temp.hookline_briefly_locked(VARIADIC statements text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  previous text := current_setting('lock_timeout');
  statement text;
BEGIN
  FOR attempt IN 1..1200 LOOP
    BEGIN
      PERFORM set_config('lock_timeout', '1s', true);
      FOREACH statement IN ARRAY statements LOOP
        EXECUTE statement;
      END LOOP;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.5);
    END;
  END LOOP;
  RAISE EXCEPTION 'no lock for % in 30 minutes: a transaction has held the table all that time', statements
    USING ERRCODE = 'lock_not_available';
END
$$;

SELECT pg_temp.hookline_briefly_locked('ALTER TABLE webhook_deliveries
    ADD COLUMN IF NOT EXISTS recorded_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS budget_start integer NOT NULL DEFAULT 0');

-- Pending rows: every recorded outcome left one attempt-log row, so the log says how many were
-- recorded. A pending row with a dead letter in its log was retried by an operator after it (the
-- replay raised max_attempts to the attempt count then plus a fresh budget): its budget began at
-- that attempt. 1,000 rows at a time in id order (V4's pending id index), each batch committed.
DO $$
DECLARE
  after_id bigint := 0;
  last_id bigint;
BEGIN
  LOOP
    SELECT max(id) INTO last_id FROM (SELECT id FROM webhook_deliveries
        WHERE status = 'pending' AND id > after_id ORDER BY id LIMIT 1000) AS batch;
    EXIT WHEN last_id IS NULL;

    UPDATE webhook_deliveries d
    SET budget_start = coalesce((SELECT max(a.attempt) FROM webhook_delivery_attempts a
                                 WHERE a.delivery_id = d.id AND a.outcome = 'dead_letter'), 0)
    WHERE d.status = 'pending' AND d.id > after_id AND d.id <= last_id;

    UPDATE webhook_deliveries d
    SET recorded_attempts = greatest(0, least(d.max_attempts - d.budget_start - 1,
          (SELECT count(*) FROM webhook_delivery_attempts a
           WHERE a.delivery_id = d.id AND a.attempt > d.budget_start AND a.attempt <= d.attempt_count)))
    WHERE d.status = 'pending' AND d.id > after_id AND d.id <= last_id;

    after_id := last_id;
    COMMIT;
  END LOOP;
END
$$;
