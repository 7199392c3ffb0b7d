-- Issue 14: outcome events, retry windows per delivery, endpoints that answered 410 Gone.
-- Every change here is metadata only or a new small table: no existing row is rewritten.
--
-- Rewritten for issue 23: the released file swapped and validated its CHECK constraints in one
-- transaction, so the ACCESS EXCLUSIVE lock its first statement took was held while validation read
-- both tables, blocking every claim, create and outcome for as long as that took. Now each change
-- that needs that lock is one brief statement (NOT VALID constraints, catalog-only columns), and
-- validation reads the tables afterwards, each in its own transaction, under a lock that lets
-- writes go on. Outside a transaction (V9__events_retry_windows_disabled_endpoints.sql.conf), each
-- statement safe to run again. Same schema; a database that applied the released file is not
-- touched again. Workers older than V9 must be stopped before it runs: they take 'expired' for a
-- status that is not final (docs/operations.md#upgrading).

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

-- 'expired': the delivery's own window (retry.deliverWithinSeconds) ended before it succeeded.
SELECT pg_temp.hookline_briefly_locked('ALTER TABLE webhook_deliveries
    DROP CONSTRAINT IF EXISTS webhook_deliveries_status_check,
    ADD CONSTRAINT webhook_deliveries_status_check
    CHECK (status IN (''pending'', ''succeeded'', ''dead_letter'', ''cancelled'', ''expired'')) NOT VALID');

-- 'delivery': asked for by a caller. 'event': an outcome event Hookline sends to events.webhookUrl,
-- written in the same transaction as the outcome it reports; it never causes events of its own.
SELECT pg_temp.hookline_briefly_locked('ALTER TABLE webhook_deliveries
    ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT ''delivery'',
    DROP CONSTRAINT IF EXISTS webhook_deliveries_kind_check,
    ADD CONSTRAINT webhook_deliveries_kind_check CHECK (kind IN (''delivery'', ''event'')) NOT VALID');

-- The create's own retry object, normalised ({"maxAttempts", "baseDelaySeconds", "maxDelaySeconds"}
-- or {"maxAttempts", "schedule"}, and "deliverWithinSeconds" when given); null follows the
-- delivery.* keys, as every row written before this migration does.
-- expires_at: created_at + deliverWithinSeconds (reset by a resend): no attempt starts after it.
SELECT pg_temp.hookline_briefly_locked('ALTER TABLE webhook_deliveries
    ADD COLUMN IF NOT EXISTS retry jsonb,
    ADD COLUMN IF NOT EXISTS expires_at timestamptz');

SELECT pg_temp.hookline_briefly_locked('ALTER TABLE webhook_delivery_attempts
    DROP CONSTRAINT IF EXISTS webhook_delivery_attempts_outcome_check,
    ADD CONSTRAINT webhook_delivery_attempts_outcome_check
    CHECK (outcome IN (''succeeded'', ''retry'', ''dead_letter'', ''cancelled'', ''expired'')) NOT VALID');

ALTER TABLE webhook_deliveries VALIDATE CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries VALIDATE CONSTRAINT webhook_deliveries_kind_check;
ALTER TABLE webhook_delivery_attempts VALIDATE CONSTRAINT webhook_delivery_attempts_outcome_check;

-- An endpoint URL that answered 410 Gone, for one organization: creates for it are skipped until
-- an operator enables it again. Keyed by the URL exactly as the create gave it.
CREATE TABLE IF NOT EXISTS webhook_disabled_endpoints (
    organization_id bigint      NOT NULL,
    endpoint_url    text        NOT NULL,
    disabled_at     timestamptz NOT NULL DEFAULT now(),
    reason          text        NOT NULL,
    delivery_uuid   uuid,
    status_code     integer,
    PRIMARY KEY (organization_id, endpoint_url)
);
