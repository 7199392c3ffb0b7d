-- The console's last hour (deliveries per minute, each origin's success rate) reads the attempt
-- log by start time; without this every refresh would scan the whole log, which retention lets
-- grow to weeks of attempts. A timestamp that only grows adds at the index's right edge, so the
-- outcome write pays little for it.
CREATE INDEX webhook_delivery_attempts_started_idx ON webhook_delivery_attempts (started_at);
