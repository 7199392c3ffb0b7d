-- 1,000,000 pending, due rows for pgbench-claim.sql. max_attempts is effectively unlimited and the
-- claim's lease is 0 s, so every row can be claimed again and again for the whole run.
INSERT INTO webhook_deliveries (delivery_uuid, organization_id, workflow_run_id, webhook_node_id, webhook_name,
    endpoint_url, http_method, payload, max_attempts, origin)
SELECT gen_random_uuid(), 1, 1000000 + n, 'bench', 'bench', 'http://127.0.0.1:8089/bench', 'POST',
    '{"event":"bench","run":"' || (1000000 + n) || '","call_disposition":""}', 2000000000, 'http://127.0.0.1:8089'

FROM generate_series(1, 1000000) AS n;
VACUUM ANALYZE webhook_deliveries;
