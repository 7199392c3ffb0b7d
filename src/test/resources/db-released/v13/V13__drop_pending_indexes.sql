-- Issue 17: the indexes V12 replaced. The pending-only id and created_at indexes (V4) served the
-- sweeper's id paging and the oldest-pending gauge, which V12's due index serves now; the
-- scheduled_for one (V1) is V12's due index without the id; the created_at (V2) and started_at
-- (V10) btrees are V12's BRIN indexes. Each wrote an entry per row version, on the hot path.
--
-- CONCURRENTLY, so no claim waits for the drop (outside a transaction:
-- V13__drop_pending_indexes.sql.conf); IF EXISTS, so a re-run after a failure finishes the job.
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_pending_due_idx;
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_pending_id_idx;
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_pending_created_idx;
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_created_at_idx;
DROP INDEX CONCURRENTLY IF EXISTS webhook_delivery_attempts_started_idx;
