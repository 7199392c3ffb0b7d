-- Operators can cancel a pending delivery: a new final status. The attempt log. An index on
-- created_at.
--
-- Rewritten for issue 23 so that claims, creates and outcomes go on while it runs (the released
-- file held an ACCESS EXCLUSIVE lock on webhook_deliveries while it validated the new CHECK on
-- every row and built the index, which blocked every claim for seconds on a large table). The
-- schema it makes is the same; a database that applied the released file is not touched again
-- (Migrations realigns its checksum). Outside a transaction (V2__attempt_log_and_cancel.sql.conf),
-- one statement at a time, and each statement is safe to run again, so a re-run after a failure
-- finishes the job.

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

-- The CHECK is swapped in one brief statement and marked NOT VALID, so no row is read under the
-- lock; VALIDATE then reads the table under a lock that lets writes go on.
SELECT pg_temp.hookline_briefly_locked('ALTER TABLE webhook_deliveries
    DROP CONSTRAINT IF EXISTS webhook_deliveries_status_check,
    ADD CONSTRAINT webhook_deliveries_status_check
    CHECK (status IN (''pending'', ''succeeded'', ''dead_letter'', ''cancelled'')) NOT VALID');
ALTER TABLE webhook_deliveries VALIDATE CONSTRAINT webhook_deliveries_status_check;

-- Listing by creation time and retention both walk created_at. Built CONCURRENTLY; dropped first,
-- since a failed concurrent build leaves an INVALID index that IF NOT EXISTS would keep.
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_created_at_idx;
CREATE INDEX CONCURRENTLY webhook_deliveries_created_at_idx ON webhook_deliveries (created_at);

-- One row per recorded attempt, written in the same statement as the outcome. Deleted with its
-- delivery (retention), never updated. Its foreign key locks webhook_deliveries briefly.
SELECT pg_temp.hookline_briefly_locked('CREATE TABLE IF NOT EXISTS webhook_delivery_attempts (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id            bigint      NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt                integer     NOT NULL,
    started_at             timestamptz NOT NULL,
    duration_ms            integer     NOT NULL,
    outcome                text        NOT NULL,
    status_code            integer,
    error_class            text,
    error_message          text,
    response_body          text,
    response_content_type  text,
    response_retry_after   text,
    CONSTRAINT webhook_delivery_attempts_outcome_check CHECK (outcome IN (''succeeded'', ''retry'', ''dead_letter''))
)');

CREATE INDEX IF NOT EXISTS webhook_delivery_attempts_delivery_idx ON webhook_delivery_attempts (delivery_id, attempt);
