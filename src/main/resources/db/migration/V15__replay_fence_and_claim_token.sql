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
ALTER TABLE webhook_deliveries ADD COLUMN IF NOT EXISTS replays integer NOT NULL DEFAULT 0,
                               ADD COLUMN IF NOT EXISTS claim_token bigint;
