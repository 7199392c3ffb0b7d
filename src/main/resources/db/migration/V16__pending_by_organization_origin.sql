-- Issue 23: a 410 Gone cancels its organization's other pending deliveries to the gone endpoint.
-- Without an index that statement read the whole pending set, once per 410, inside the outcome
-- batch's transaction. Pending rows by (organization, origin): the endpoint URL's origin is on each
-- row, and the few pending rows of one origin are then filtered by the URL itself. Pending only:
-- final rows, the bulk of the table, get no entry, and the claim (a HOT update) changes neither
-- column.
--
-- Built CONCURRENTLY, outside a transaction (V16__pending_by_organization_origin.sql.conf), so
-- creates, claims and outcomes go on meanwhile; dropped first so a re-run after a failed build
-- (which leaves an INVALID index behind) starts again from scratch.
INSERT INTO hookline_schema_compat (version, oldest_worker, note)
VALUES (16, 9, 'An index, built concurrently.')
ON CONFLICT (version) DO UPDATE SET oldest_worker = EXCLUDED.oldest_worker, note = EXCLUDED.note;
DROP INDEX CONCURRENTLY IF EXISTS webhook_deliveries_pending_org_origin_idx;
CREATE INDEX CONCURRENTLY webhook_deliveries_pending_org_origin_idx
    ON webhook_deliveries (organization_id, origin) WHERE status = 'pending';
