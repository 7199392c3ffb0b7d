-- An attempt whose outcome the fence keeps off its row (a newer attempt took the row after its
-- lease ran out, or the delivery was cancelled while it was in flight) was still sent, and the
-- receiver may have acted on it. It is logged with outcome 'cancelled'; the row is not changed.
--
-- Rewritten for issue 23: the released file checked every attempt-log row under an ACCESS
-- EXCLUSIVE lock, which held up every outcome write for as long as that took. Now the CHECK is
-- swapped in one brief statement, NOT VALID, and validated after, under a lock that lets writes go
-- on. Outside a transaction (V8__cancelled_attempt_outcome.sql.conf), each statement safe to run
-- again. Same schema; a database that applied the released file is not touched again.

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

SELECT pg_temp.hookline_briefly_locked('ALTER TABLE webhook_delivery_attempts
    DROP CONSTRAINT IF EXISTS webhook_delivery_attempts_outcome_check,
    ADD CONSTRAINT webhook_delivery_attempts_outcome_check
    CHECK (outcome IN (''succeeded'', ''retry'', ''dead_letter'', ''cancelled'')) NOT VALID');
ALTER TABLE webhook_delivery_attempts VALIDATE CONSTRAINT webhook_delivery_attempts_outcome_check;
