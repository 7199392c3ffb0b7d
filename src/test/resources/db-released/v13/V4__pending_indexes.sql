-- The sweeper pages pending rows by id, and the oldest-pending gauge reads their creation time:
-- partial indexes keep both proportional to the pending set, not to 30 days of final rows.
CREATE INDEX webhook_deliveries_pending_id_idx ON webhook_deliveries (id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_pending_created_idx ON webhook_deliveries (created_at) WHERE status = 'pending';
