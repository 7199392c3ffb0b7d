-- The receiver's origin (scheme://host[:port], lower-cased, default port dropped), written at
-- create. The claim reads it to keep each origin within its in-flight cap and to leave origins
-- whose circuit is open unclaimed, so their deliveries wait without using up attempts.
-- Nullable: final rows never need it, and filling 30 days of them would rewrite the table.
--
-- Rewritten for issue 23 so that claims, creates and outcomes go on while it runs (the released
-- file filled every pending row in the transaction that added the column, holding an ACCESS
-- EXCLUSIVE lock on the table throughout). Outside a transaction (V6__delivery_origin.sql.conf),
-- one statement at a time, each safe to run again; the trigger now comes before the fill, which
-- goes in batches that commit one by one. Same schema and the same origins; a database that
-- applied the released file is not touched again.

-- Runs statements that need a brief ACCESS EXCLUSIVE (or SHARE ROW EXCLUSIVE) lock on a table in
-- use. While such a lock waits, every claim, create and outcome queues behind it; so it waits at
-- most 1 s (a long transaction may hold the table), lets the queue through for half a second and
-- tries again, for up to 30 minutes. A function of this session only (pg_temp): no schema change.
CREATE OR REPLACE FUNCTION pg_temp.hookline_briefly_locked(VARIADIC statements text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  previous text := current_setting('lock_timeout');
  statement text;
BEGIN
  FOR attempt IN 1..1200 LOOP
    BEGIN
      PERFORM set_config('lock_timeout', '1s', true);
      FOREACH statement IN ARRAY statements LOOP
        EXECUTE statement;
      END LOOP;
      PERFORM set_config('lock_timeout', previous, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      PERFORM pg_sleep(0.5);
    END;
  END LOOP;
  RAISE EXCEPTION 'no lock for % in 30 minutes: a transaction has held the table all that time', statements
    USING ERRCODE = 'lock_not_available';
END
$$;

SELECT pg_temp.hookline_briefly_locked('ALTER TABLE webhook_deliveries ADD COLUMN IF NOT EXISTS origin text');

-- The application's rule (Origins.of) for the URLs the intake accepts, for rows it did not write:
-- user info dropped, scheme and host lower-cased, port as a number, 80 for http and 443 for https
-- dropped.
CREATE OR REPLACE FUNCTION hookline_origin(url text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT lower(m[1]) || '://' || lower(m[2])
         || CASE WHEN coalesce(m[3], '') = '' THEN ''
                 WHEN lower(m[1]) = 'http' AND m[3]::bigint = 80 THEN ''
                 WHEN lower(m[1]) = 'https' AND m[3]::bigint = 443 THEN ''
                 ELSE ':' || m[3]::bigint END
  FROM (SELECT regexp_match(url,
          '^([A-Za-z][A-Za-z0-9+.-]*)://(?:[^/?#@]*@)?(\[[^]/?#]*\]|[^/?#:]*)(?::([0-9]*))?(?:[/?#]|$)') AS m) AS parsed
$$;

-- Rows inserted without one (by a worker still on an older version during a rolling upgrade) get
-- theirs here, so no delivery escapes its origin's cap or an open circuit. Created before the fill
-- below, so no row inserted meanwhile is missed.
CREATE OR REPLACE FUNCTION hookline_fill_origin() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.origin := hookline_origin(NEW.endpoint_url);
  RETURN NEW;
END
$$;

SELECT pg_temp.hookline_briefly_locked('CREATE OR REPLACE TRIGGER webhook_deliveries_fill_origin
    BEFORE INSERT ON webhook_deliveries
    FOR EACH ROW WHEN (NEW.origin IS NULL) EXECUTE FUNCTION hookline_fill_origin()');

-- The pending rows written before, 1,000 at a time in id order (V4's pending id index), each batch
-- committed at once, so no outcome waits on a filled row for longer than one batch.
DO $$
DECLARE
  after_id bigint := 0;
  last_id bigint;
BEGIN
  LOOP
    SELECT max(id) INTO last_id FROM (SELECT id FROM webhook_deliveries
        WHERE status = 'pending' AND id > after_id ORDER BY id LIMIT 1000) AS batch;
    EXIT WHEN last_id IS NULL;
    UPDATE webhook_deliveries SET origin = hookline_origin(endpoint_url)
    WHERE status = 'pending' AND origin IS NULL AND id > after_id AND id <= last_id;
    after_id := last_id;
    COMMIT;
  END LOOP;
END
$$;
