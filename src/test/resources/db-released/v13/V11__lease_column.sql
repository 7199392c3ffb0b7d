-- Issue 17: the claim's lease gets a column of its own. Until now the claim pushed scheduled_for
-- to the lease's end, and since scheduled_for is indexed no claim could be a HOT update: each one
-- wrote a new entry into every index of the table. leased_until is in no index, so a claim that
-- changes only it, attempt_count and updated_at stays on its page and writes no index entry.
--
-- Claimable is now "scheduled_for <= now() and no lease, or the lease is over". A row leased the
-- old way (scheduled_for in the future, leased_until null) stays unclaimable until scheduled_for,
-- so leases taken before the upgrade are honoured.
--
-- Nullable without a default: adding it only changes the catalog, no row is rewritten. The lock
-- it needs is brief, but it queues behind any long transaction on the table and blocks every
-- claim while it waits: give up after a few seconds instead (the migration can simply be re-run).
SET LOCAL lock_timeout = '5s';
ALTER TABLE webhook_deliveries ADD COLUMN leased_until timestamptz;
