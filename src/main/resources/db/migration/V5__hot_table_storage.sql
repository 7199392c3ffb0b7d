-- Rewritten for issue 23: the released file took its locks in the opposite order to an outcome
-- write (which updates webhook_deliveries, then inserts into webhook_delivery_attempts), so under
-- load dropping the foreign key could deadlock with one. Both tables are now locked first, in the
-- outcome's order; everything after that is a catalog change of a few milliseconds. Same schema; a
-- database that applied the released file is not touched again.

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

SELECT pg_temp.hookline_briefly_locked('LOCK TABLE webhook_deliveries, webhook_delivery_attempts IN ACCESS EXCLUSIVE MODE');

-- Every delivery row is written three times (insert, claim, outcome). Both updates change an
-- indexed column (scheduled_for, or status in the partial indexes' predicate), so none can be a
-- HOT update; what can be kept cheap is where the new versions land and how fast the dead ones go.
--
-- Room on each page lets the claim and outcome versions stay on the row's own page, so an update
-- dirties one heap page instead of two and page pruning reclaims the old versions in place.
ALTER TABLE webhook_deliveries SET (fillfactor = 80);

-- Two dead versions per delivery: vacuum after 2% of the table has changed rather than 20%, and
-- let it run ten times harder than the default cost limit, so at thousands of deliveries a second
-- the table and its indexes do not bloat faster than vacuum can clean them. Analyze after 1%:
-- the pending set swings from a few rows to a large backlog and back, and cached plans for the
-- claim are only re-made when fresh statistics arrive; stale ones can walk the whole pending set.
ALTER TABLE webhook_deliveries SET (
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01,
    autovacuum_vacuum_cost_limit = 2000
);

-- The attempt log only grows: vacuum it for the visibility map (index-only scans) on inserts too.
ALTER TABLE webhook_delivery_attempts SET (
    autovacuum_vacuum_insert_scale_factor = 0.05,
    autovacuum_vacuum_cost_limit = 2000
);

-- The attempt log is written only by the fenced outcome statement, which inserts a row for the
-- delivery it has just updated, so the foreign key could never fail there; it still cost every
-- outcome write a lookup and a row lock on the delivery. Retention deletes a delivery's attempts
-- in the same statement as the delivery.
ALTER TABLE webhook_delivery_attempts DROP CONSTRAINT webhook_delivery_attempts_delivery_id_fkey;
