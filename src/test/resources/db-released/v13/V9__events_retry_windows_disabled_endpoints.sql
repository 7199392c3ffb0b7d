-- Issue 14: outcome events, retry windows per delivery, endpoints that answered 410 Gone.
-- Every change here is metadata only or a new small table: no existing row is rewritten, and the
-- new CHECK constraints are added NOT VALID and validated afterwards, which reads the table under a
-- lock that lets claims, outcomes and creates go on.

-- 'expired': the delivery's own window (retry.deliverWithinSeconds) ended before it succeeded.
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
    CHECK (status IN ('pending', 'succeeded', 'dead_letter', 'cancelled', 'expired')) NOT VALID;
ALTER TABLE webhook_deliveries VALIDATE CONSTRAINT webhook_deliveries_status_check;

-- 'delivery': asked for by a caller. 'event': an outcome event Hookline sends to events.webhookUrl,
-- written in the same transaction as the outcome it reports; it never causes events of its own.
ALTER TABLE webhook_deliveries ADD COLUMN kind text NOT NULL DEFAULT 'delivery';
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_kind_check
    CHECK (kind IN ('delivery', 'event')) NOT VALID;
ALTER TABLE webhook_deliveries VALIDATE CONSTRAINT webhook_deliveries_kind_check;

-- The create's own retry object, normalised ({"maxAttempts", "baseDelaySeconds", "maxDelaySeconds"}
-- or {"maxAttempts", "schedule"}, and "deliverWithinSeconds" when given); null follows the
-- delivery.* keys, as every row written before this migration does.
ALTER TABLE webhook_deliveries ADD COLUMN retry jsonb;
-- created_at + deliverWithinSeconds (reset by a resend): no attempt starts after it.
ALTER TABLE webhook_deliveries ADD COLUMN expires_at timestamptz;

ALTER TABLE webhook_delivery_attempts DROP CONSTRAINT webhook_delivery_attempts_outcome_check;
ALTER TABLE webhook_delivery_attempts ADD CONSTRAINT webhook_delivery_attempts_outcome_check
    CHECK (outcome IN ('succeeded', 'retry', 'dead_letter', 'cancelled', 'expired')) NOT VALID;
ALTER TABLE webhook_delivery_attempts VALIDATE CONSTRAINT webhook_delivery_attempts_outcome_check;

-- An endpoint URL that answered 410 Gone, for one organization: creates for it are skipped until
-- an operator enables it again. Keyed by the URL exactly as the create gave it.
CREATE TABLE webhook_disabled_endpoints (
    organization_id bigint      NOT NULL,
    endpoint_url    text        NOT NULL,
    disabled_at     timestamptz NOT NULL DEFAULT now(),
    reason          text        NOT NULL,
    delivery_uuid   uuid,
    status_code     integer,
    PRIMARY KEY (organization_id, endpoint_url)
);
