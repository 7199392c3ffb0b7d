-- The sweeper pages pending rows by id, and the oldest-pending gauge reads their creation time:
-- partial indexes keep both proportional to the pending set, not to 30 days of final rows.
--
-- Rewritten for issue 23: built CONCURRENTLY, outside a transaction
-- (V4__pending_indexes.sql.conf), so claims, creates and outcomes go on meanwhile (the released
-- file's plain CREATE INDEX blocked every write to the table for the whole build). Each index is
-- dropped first: a failed concurrent build leaves an INVALID index that IF NOT EXISTS would keep.
-- Same indexes; a database that applied the released file is not touched again.
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_pending_id_idx;
CREATE INDEX CONCURRENTLY webhook_deliveries_pending_id_idx ON webhook_deliveries (id) WHERE status = 'pending';
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_pending_created_idx;
CREATE INDEX CONCURRENTLY webhook_deliveries_pending_created_idx ON webhook_deliveries (created_at) WHERE status = 'pending';
