-- The receiver's origin (scheme://host[:port], lower-cased, default port dropped), written at
-- create. The claim reads it to keep each origin within its in-flight cap and to leave origins
-- whose circuit is open unclaimed, so their deliveries wait without using up attempts.
-- Nullable: final rows never need it, and filling 30 days of them would rewrite the table.
ALTER TABLE webhook_deliveries ADD COLUMN origin text;

-- The application's rule (Origins.of) for the URLs the intake accepts, for rows it did not write:
-- user info dropped, scheme and host lower-cased, port as a number, 80 for http and 443 for https
-- dropped.
CREATE FUNCTION hookline_origin(url text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT lower(m[1]) || '://' || lower(m[2])
         || CASE WHEN coalesce(m[3], '') = '' THEN ''
                 WHEN lower(m[1]) = 'http' AND m[3]::bigint = 80 THEN ''
                 WHEN lower(m[1]) = 'https' AND m[3]::bigint = 443 THEN ''
                 ELSE ':' || m[3]::bigint END
  FROM (SELECT regexp_match(url,
          '^([A-Za-z][A-Za-z0-9+.-]*)://(?:[^/?#@]*@)?(\[[^]/?#]*\]|[^/?#:]*)(?::([0-9]*))?(?:[/?#]|$)') AS m) AS parsed
$$;

UPDATE webhook_deliveries SET origin = hookline_origin(endpoint_url) WHERE status = 'pending';

-- Rows inserted without one (by a worker still on an older version during a rolling upgrade) get
-- theirs here, so no delivery escapes its origin's cap or an open circuit.
CREATE FUNCTION hookline_fill_origin() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.origin := hookline_origin(NEW.endpoint_url);
  RETURN NEW;
END
$$;

CREATE TRIGGER webhook_deliveries_fill_origin BEFORE INSERT ON webhook_deliveries
FOR EACH ROW WHEN (NEW.origin IS NULL) EXECUTE FUNCTION hookline_fill_origin();
