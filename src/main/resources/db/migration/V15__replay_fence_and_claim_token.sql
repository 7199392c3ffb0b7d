-- Issue 23. Two columns, each a catalog-only change (no row is rewritten, no index touched):
--
-- replays: how many times an operator put the row back to work (retry, resend). The outcome fence
-- matches it as well as the attempt number, so an attempt still on the wire when its row was
-- cancelled (or disabled by a 410) and then resent can no longer record its answer onto the new
-- budget; and an outcome event's identity carries it, so the second "cancelled" of a row cancelled,
-- resent and cancelled again is an event of its own.
--
-- claim_token: a random number each claim statement writes onto the rows it claims. A worker whose
-- claim timed out does not know whether Postgres committed it; with the token it can give back
-- exactly the claims it made and never sent, so they do not count as attempts that may have reached
-- the receiver. Not indexed, so the claim stays a HOT update.
--
-- The lock ADD COLUMN needs is brief, but it queues behind any long transaction on the table and
-- blocks every claim while it waits: give up after a few seconds instead (the migration can simply
-- be re-run; IF NOT EXISTS lets a re-run finish the job).
SET LOCAL lock_timeout = '5s';
-- Which workers may run against it (V14): a worker without it neither moves nor checks the new
-- fence, as before; next to new workers that is the old behaviour, not a new hazard.
INSERT INTO hookline_schema_compat (version, oldest_worker, note)
VALUES (15, 9, 'Adds replays (the outcome fence) and claim_token. Older workers ignore both: a replay they make'
    || ' does not move the fence, as before this migration, and they give back no claims by token.')
ON CONFLICT (version) DO UPDATE SET oldest_worker = EXCLUDED.oldest_worker, note = EXCLUDED.note;
ALTER TABLE webhook_deliveries ADD COLUMN IF NOT EXISTS replays integer NOT NULL DEFAULT 0,
                               ADD COLUMN IF NOT EXISTS claim_token bigint;
