-- The receiver's origin (scheme://host[:port], lower-cased, default port dropped), written at
-- create. The claim reads it to keep each origin within its in-flight cap and to leave origins
-- whose circuit is open unclaimed, so their deliveries wait without using up attempts.
-- Nullable: final rows never need it, and filling 30 days of them would rewrite the table.
ALTER TABLE webhook_deliveries ADD COLUMN origin text;

-- Rows still to be sent get theirs now. Same rule as the application's (Origins.of) for the
-- URLs the intake accepts: http(s), no user info kept, host lower-cased, default port dropped.
UPDATE webhook_deliveries
SET origin = lower(substring(endpoint_url FROM '^([A-Za-z][A-Za-z0-9+.-]*)://')) || '://'
    || regexp_replace(lower(substring(endpoint_url FROM '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#]*)')),
                      CASE WHEN lower(endpoint_url) LIKE 'https:%' THEN ':443$' ELSE ':80$' END, '')
WHERE status = 'pending';
