-- The console's last hour (deliveries per minute, each origin's success rate) reads the attempt
-- log by start time; without this every refresh would scan the whole log, which retention lets
-- grow to weeks of attempts. A timestamp that only grows adds at the index's right edge, so the
-- outcome write pays little for it.
--
-- Rewritten for issue 23: built CONCURRENTLY, outside a transaction
-- (V10__attempt_log_started_index.sql.conf), so outcome writes go on meanwhile (the released
-- file's plain CREATE INDEX held every attempt-log insert, and so every outcome, for the whole
-- build). Dropped first: a failed concurrent build leaves an INVALID index that IF NOT EXISTS
-- would keep. Same index (V13 drops it again); a database that applied the released file is not
-- touched again.
DROP INDEX CONCURRENTLY IF EXISTS webhook_delivery_attempts_started_idx;
CREATE INDEX CONCURRENTLY webhook_delivery_attempts_started_idx ON webhook_delivery_attempts (started_at);
