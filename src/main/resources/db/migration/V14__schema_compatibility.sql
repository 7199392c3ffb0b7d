-- Issue 23: which worker builds may run against the schema a migration makes. A build is named by
-- the newest migration its jar contains (its "L"). After migrating, and then every
-- postgres.schemaCheckSeconds, a worker reads the schema's version S; when S > L it needs a row
-- here for every version above L up to S, each with oldest_worker <= L. Otherwise it refuses to
-- start, or, already running, stops claiming deliveries and says so (ERROR log once, /health/ready,
-- hookline_schema_incompatible). Builds before V14 have no such check: the order in
-- docs/operations.md#upgrading says which of them must be stopped before which migration.
--
-- oldest_worker: the oldest build that may run against a database at this version, taking every
-- migration up to it into account, so it never falls from one row to the next. A build is "may
-- run" when, next to the newest workers, it loses nothing and breaks no guarantee that it did not
-- already break on its own schema (at-least-once duplicates included).
--
-- EVERY LATER MIGRATION inserts its own row, as its first statement (so a migration that runs
-- outside a transaction is seen as soon as it starts), written so that a re-run does not fail:
--
--   INSERT INTO hookline_schema_compat (version, oldest_worker, note)
--   VALUES (17, 16, 'Adds ...; V16 workers ignore it, which is safe because ...')
--   ON CONFLICT (version) DO UPDATE SET oldest_worker = EXCLUDED.oldest_worker, note = EXCLUDED.note;
--
-- and says the same in the Upgrading section of docs/operations.md. Raise oldest_worker to the
-- new version itself when workers without this migration must not run against it.
CREATE TABLE IF NOT EXISTS hookline_schema_compat (
    version       integer PRIMARY KEY,
    oldest_worker integer NOT NULL,
    note          text    NOT NULL,
    CONSTRAINT hookline_schema_compat_oldest_check CHECK (oldest_worker BETWEEN 1 AND version)
);

-- What was true of each migration before this table existed (read from the migrations and from the
-- statements of the workers of each version).
INSERT INTO hookline_schema_compat (version, oldest_worker, note) VALUES
  (1, 1, 'The first schema.'),
  (2, 1, 'Adds cancelled, the attempt log and an index. V1 workers touch only rows whose status is pending,'
      || ' so a cancelled row is final to them; they write no attempt-log rows.'),
  (3, 3, 'Seals credentials (data may be null; key_id, nonce, ciphertext). V1-V2 workers read only data,'
      || ' so they cannot use a credential sealed by a newer worker.'),
  (4, 3, 'Two pending-only indexes.'),
  (5, 3, 'Storage settings; the attempt log loses its foreign key, which no worker relies on.'),
  (6, 3, 'Adds origin, filled for pending rows and by a trigger for rows older workers insert, so their'
      || ' deliveries stay within their origin''s cap and circuit.'),
  (7, 7, 'Adds recorded_attempts and budget_start, which older workers do not keep: next to V7 workers their'
      || ' deliveries could be parked as unrecorded, and their sweeper dead-letters an unrecorded final attempt.'),
  (8, 7, 'Adds cancelled to the attempt log''s outcomes; V7 workers write none.'),
  (9, 9, 'Adds expired and retry windows. Workers built at V5-V8 take any status but succeeded, dead_letter'
      || ' and cancelled for not final: they would claim and send an expired row past its window and overwrite'
      || ' expired.'),
  (10, 9, 'An attempt-log index.'),
  (11, 9, 'Adds leased_until. V9-V10 workers ignore it, so they may claim a row a newer worker holds under a'
      || ' lease of the new kind: a second send, fenced like an expired lease (the older attempt is logged'
      || ' cancelled).'),
  (12, 9, 'Indexes, built concurrently.'),
  (13, 9, 'Drops indexes that older workers used only for speed.'),
  (14, 9, 'This table; workers before V14 do not read it.')
ON CONFLICT (version) DO NOTHING;
