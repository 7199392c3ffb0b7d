-- Issue 17, the new indexes; V13 drops the ones they replace. Built CONCURRENTLY, so claims,
-- outcomes and creates go on while they are built: this script runs outside a transaction
-- (V12__hot_claim_indexes.sql.conf), one statement at a time.
--
-- Safe to run again after a failure: a CONCURRENTLY build that failed leaves an INVALID index
-- behind, which a plain CREATE ... IF NOT EXISTS would keep. Each build is therefore preceded by a
-- DROP INDEX CONCURRENTLY IF EXISTS of its own name, so a re-run starts each index from scratch.
-- That only ever drops an index of this migration, never one the running workers rely on: the old
-- indexes stay until V13, which runs only after this one has succeeded.

-- Pending rows by due time, then id: the sweeper pages it with (scheduled_for, id) keys, and the
-- oldest-pending gauge reads created_at from it without touching the 30 days of final rows.
-- created_at never changes, so carrying it costs no HOT update.
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_pending_due_id_idx;
CREATE INDEX CONCURRENTLY webhook_deliveries_pending_due_id_idx
    ON webhook_deliveries (scheduled_for, id) INCLUDE (created_at) WHERE status = 'pending';

-- Creation time of every row (the API's created filters, the console's hour) and the attempt log's
-- start time: both only grow with the physical order of the rows, which is what BRIN summarizes, a
-- few bytes per 128 pages instead of an entry per row. minmax-multi keeps several intervals per
-- range, so pages that retention emptied and new rows refilled do not widen a range to "30 days".
-- autosummarize: a filled range is summarized at once rather than at the next vacuum.
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_created_brin;
CREATE INDEX CONCURRENTLY webhook_deliveries_created_brin
    ON webhook_deliveries USING brin (created_at timestamptz_minmax_multi_ops) WITH (autosummarize = on);

DROP INDEX CONCURRENTLY IF EXISTS webhook_delivery_attempts_started_brin;
CREATE INDEX CONCURRENTLY webhook_delivery_attempts_started_brin
    ON webhook_delivery_attempts USING brin (started_at timestamptz_minmax_multi_ops) WITH (autosummarize = on);
