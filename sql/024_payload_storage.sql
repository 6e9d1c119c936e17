-- The outbox's payload is stored compressed inline (issue #12). An event's
-- row stays below the toaster's threshold (about 2 kB), so PostgreSQL would
-- store its payload of 1-2 kB as it is and WAL-log it whole, twice: when the
-- event is written and when its delivery rewrites the row. The trigger hands
-- the insert an lz4-compressed value instead. Both insert paths store it so,
-- every reader gets the same JSON, byte for byte, as from an uncompressed
-- value, and an UPDATE that leaves the payload alone keeps it compressed.
CREATE DATABASE booking_events_payload_storage;
\c booking_events_payload_storage
CREATE EXTENSION booking_events;
\set ECHO none
\i test/fixtures/app_schema.sql
\i test/fixtures/app_triggers.sql
\set ECHO all
-- What changes from run to run (uuids, times) or release to release (the
-- version) replaced, in the text as read.
CREATE FUNCTION masked(t text) RETURNS text LANGUAGE sql AS $$
    SELECT regexp_replace(regexp_replace(regexp_replace(t,
        '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<uuid>', 'g'),
        '\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d(:\d\d)?)?', '<time>', 'g'),
        '"version": "[^"]*"', '"version": "<version>"', 'g')
$$;
INSERT INTO profiles VALUES
    ('11111111-1111-1111-1111-111111111111', 'Alice Client', 'alice@example.com', NULL),
    ('22222222-2222-2222-2222-222222222222', 'Bob Provider', 'bob@example.com', 'Bob & Co');
INSERT INTO bookings (id, booking_number, client_id, provider_id, status, total_price)
VALUES ('33333333-3333-3333-3333-333333333333', 'BK-0001', '11111111-1111-1111-1111-111111111111',
        '22222222-2222-2222-2222-222222222222', 'pending', 120.50);

-- The direct path (no trigger on the outbox).
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.confirmed', 'Confirmed by provider',
        '11111111-1111-1111-1111-111111111111');
-- The manual trigger writes through the same path.
SELECT manually_trigger_webhook('bookings', '33333333-3333-3333-3333-333333333333') IS NOT NULL
    AS queued;
-- The INSERT statement path: a trigger of the DBA's on the outbox.
CREATE FUNCTION dba_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER dba_audit AFTER INSERT ON webhook_outbox
    FOR EACH ROW EXECUTE FUNCTION dba_audit();
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.confirmed', 'Confirmed by provider',
        '11111111-1111-1111-1111-111111111111');
-- The same with plan_cache_mode = force_custom_plan (a role's or a
-- database's setting): a custom plan makes the payload a constant, which
-- PostgreSQL decompresses; the insert runs with force_generic_plan.
SET plan_cache_mode = force_custom_plan;
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.cancelled', 'Cancelled by client',
        '11111111-1111-1111-1111-111111111111');
SHOW plan_cache_mode;
RESET plan_cache_mode;
DROP TRIGGER dba_audit ON webhook_outbox;

-- Stored compressed (lz4, or pglz on a server built without lz4), in fewer
-- bytes than its text.
SELECT id, event_type, pg_column_compression(payload) IN ('lz4', 'pglz') AS compressed,
       pg_column_size(payload) < octet_length(payload::text) AS stored_smaller
FROM webhook_outbox ORDER BY id;

-- What the readers see. The worker's claim reads payload::text (the body it
-- sends); the replay and webhook_stats read fields with jsonb operators.
SELECT id, masked(payload::text) AS payload FROM webhook_outbox ORDER BY id;
SELECT id, payload->'booking_event'->>'description' AS description,
       payload->'booking_details'->>'booking_number' AS booking_number,
       jsonb_extract_path_text(payload, 'client_info', 'name') AS client,
       payload @> '{"booking_event": {"manual": true}}' AS manual
FROM webhook_outbox ORDER BY id;
SELECT id, masked(notification::text) AS notification FROM booking_events_replay(0) ORDER BY id;
COPY (SELECT id, masked(payload::text) FROM webhook_outbox ORDER BY id LIMIT 1) TO STDOUT;

-- Delivered: the record statement's UPDATE leaves the payload alone, and the
-- new row version keeps it compressed.
UPDATE webhook_outbox SET status = 'delivered', delivered_at = now(), attempts = 1
WHERE id = 1;
SELECT id, status, pg_column_compression(payload) IN ('lz4', 'pglz') AS compressed
FROM webhook_outbox WHERE id = 1;

-- A DBA's SET STORAGE PLAIN or EXTERNAL (never compressed inline) is kept
-- to from the next event on; MAIN and EXTENDED (the default) compress.
ALTER TABLE webhook_outbox ALTER payload SET STORAGE PLAIN;
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.plain', 'Stored plain', NULL);
ALTER TABLE webhook_outbox ALTER payload SET STORAGE EXTERNAL;
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.external', 'Stored external', NULL);
ALTER TABLE webhook_outbox ALTER payload SET STORAGE MAIN;
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.main', 'Stored main', NULL);
ALTER TABLE webhook_outbox ALTER payload SET STORAGE EXTENDED;
SELECT id, event_type, pg_column_compression(payload) IS NOT NULL AS compressed,
       payload->'booking_event'->>'description' AS description
FROM webhook_outbox WHERE id > 4 ORDER BY id;

\c contrib_regression
DROP DATABASE booking_events_payload_storage;
