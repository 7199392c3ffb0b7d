-- Operators can cancel a pending delivery: a new final status.
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
    CHECK (status IN ('pending', 'succeeded', 'dead_letter', 'cancelled'));

-- Listing by creation time and retention both walk created_at.
CREATE INDEX webhook_deliveries_created_at_idx ON webhook_deliveries (created_at);

-- One row per recorded attempt, written in the same statement as the outcome. Deleted with its
-- delivery (retention), never updated.
CREATE TABLE webhook_delivery_attempts (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id            bigint      NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt                integer     NOT NULL,
    started_at             timestamptz NOT NULL,
    duration_ms            integer     NOT NULL,
    outcome                text        NOT NULL,
    status_code            integer,
    error_class            text,
    error_message          text,
    response_body          text,
    response_content_type  text,
    response_retry_after   text,
    CONSTRAINT webhook_delivery_attempts_outcome_check CHECK (outcome IN ('succeeded', 'retry', 'dead_letter'))
);

CREATE INDEX webhook_delivery_attempts_delivery_idx ON webhook_delivery_attempts (delivery_id, attempt);
