-- The delivery row is the source of truth; Redis only holds the schedule.
CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_uuid    uuid        NOT NULL,
    organization_id  bigint      NOT NULL,
    workflow_run_id  bigint      NOT NULL,
    webhook_node_id  text        NOT NULL,
    webhook_name     text,
    endpoint_url     text        NOT NULL,
    http_method      text        NOT NULL,
    -- text, not jsonb: the frozen body must go out byte-identical on every retry.
    payload          text        NOT NULL,
    custom_headers   jsonb       NOT NULL DEFAULT '[]'::jsonb,
    credential_uuid  uuid,
    status           text        NOT NULL DEFAULT 'pending',
    attempt_count    integer     NOT NULL DEFAULT 0,
    max_attempts     integer     NOT NULL,
    scheduled_for    timestamptz NOT NULL DEFAULT now(),
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_deliveries_delivery_uuid_key UNIQUE (delivery_uuid),
    CONSTRAINT webhook_deliveries_run_node_key UNIQUE (workflow_run_id, webhook_node_id),
    CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'succeeded', 'dead_letter')),
    CONSTRAINT webhook_deliveries_http_method_check CHECK (http_method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
    CONSTRAINT webhook_deliveries_attempts_check CHECK (attempt_count >= 0 AND max_attempts >= 1)
);

-- Claims and the sweeper only ever look at pending rows by due time.
CREATE INDEX webhook_deliveries_pending_due_idx ON webhook_deliveries (scheduled_for) WHERE status = 'pending';

-- Credentials are referenced by uuid from deliveries and resolved at send time, so a rotation
-- takes effect on the next attempt and no secret is copied onto a delivery row.
CREATE TABLE webhook_credentials (
    uuid            uuid        PRIMARY KEY,
    organization_id bigint      NOT NULL,
    type            text        NOT NULL,
    data            jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_credentials_type_check CHECK (type IN ('bearer_token', 'api_key', 'basic_auth', 'custom_header'))
);

CREATE INDEX webhook_credentials_organization_idx ON webhook_credentials (organization_id);
