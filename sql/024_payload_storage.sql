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

-- The trigger compresses with lz4 itself, with one state per process reset
-- fast before each payload, and builds the varlena PostgreSQL's
-- toast_compress_datum would (issue #12, trig10). Every payload is read
-- back through PostgreSQL's own decompression and compared with the same
-- event stored plain (SET STORAGE EXTERNAL: never compressed inline),
-- across sizes: small, typical, large, incompressible, and many rows of
-- one statement (the state reused from row to row).

-- What differs between two copies of an event: its id and time, and the
-- booking_events row's id.
CREATE FUNCTION comparable(payload jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT payload - 'event_id' - 'event_time' #- '{system,timestamp}' #- '{booking_event,id}'
           #- '{booking_event,record,id}'
$$;
-- Text that lz4 cannot shorten: base64 of SHA-256 digests. The payload
-- holds a booking_events row's description twice (booking_event and its
-- record); past 64 kB (lz4's window) the second copy cannot refer to the
-- first, and the whole payload is incompressible.
CREATE FUNCTION noise(seed text, blocks int) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(encode(sha256(convert_to(seed || i, 'UTF8')), 'base64'), '' ORDER BY i)
    FROM generate_series(1, blocks) i
$$;
-- The events, written once per storage: `label` names each, and the
-- created_at of booking_events is fixed so both copies carry the same text.
CREATE TABLE cases (label text PRIMARY KEY, booking_id uuid, description text);
INSERT INTO cases VALUES
    ('small', NULL, 's'),
    ('typical', '33333333-3333-3333-3333-333333333333', 'Confirmed by provider'),
    ('large', '33333333-3333-3333-3333-333333333333',
     repeat('The provider moved the booking to the afternoon. ', 400)),
    ('noise', NULL, noise('a', 60)),
    ('incompressible', NULL, noise('b', 1600));
INSERT INTO cases
SELECT 'row ' || lpad(i::text, 3, '0'),
       CASE WHEN i % 3 > 0 THEN '33333333-3333-3333-3333-333333333333'::uuid END,
       CASE WHEN i IN (50, 90) THEN noise('row' || i, 1600)
            WHEN i % 4 = 0 THEN 'r' || i
            WHEN i % 4 = 1 THEN repeat('Moved again. ', i * 7)
            WHEN i % 4 = 2 THEN noise('row' || i, i)
            ELSE 'Row ' || i || ' of the statement' END
FROM generate_series(1, 120) i;
CREATE FUNCTION write_cases() RETURNS void LANGUAGE sql AS $$
    INSERT INTO booking_events (booking_id, event_type, description, created_at)
    SELECT booking_id, 'booking.noted', label || ': ' || description, '2026-12-01 10:00:00+00'
    FROM cases WHERE label NOT LIKE 'row %' ORDER BY label;
    -- One statement for all the rows.
    INSERT INTO booking_events (booking_id, event_type, description, created_at)
    SELECT booking_id, 'booking.noted', label || ': ' || description, '2026-12-01 10:00:00+00'
    FROM cases WHERE label LIKE 'row %' ORDER BY label;
$$;
SELECT coalesce(max(id), 0) AS before_cases FROM webhook_outbox \gset
SELECT write_cases();
ALTER TABLE webhook_outbox ALTER payload SET STORAGE EXTERNAL;
SELECT write_cases();
ALTER TABLE webhook_outbox ALTER payload SET STORAGE EXTENDED;
CREATE VIEW stored AS
SELECT split_part(payload->'booking_event'->>'description', ': ', 1) AS label,
       id <= :before_cases + (SELECT count(*) FROM cases) AS compressed_path, payload,
       pg_column_compression(payload) AS compression
FROM webhook_outbox WHERE id > :before_cases;

-- Each compressed payload reads back as its plain twin, byte for byte.
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE comparable(c.payload)::text = comparable(p.payload)::text)
           AS same_text,
       count(*) FILTER (WHERE comparable(c.payload) = comparable(p.payload)) AS equal_jsonb,
       count(*) FILTER (WHERE c.payload->'booking_event'->>'description' =
                              k.label || ': ' || k.description) AS description_intact
FROM stored c JOIN stored p ON p.label = c.label AND NOT p.compressed_path
JOIN cases k ON k.label = c.label
WHERE c.compressed_path;

-- How each was stored: lz4 where it saves more than 2 bytes, which even
-- the smallest event does (a booking_events row without a booking: ~660
-- bytes of text, ~510 stored); the incompressible one plain, and then moved
-- out of line by the toaster, as PostgreSQL stores any such value. The
-- plain copies are never compressed (EXTERNAL).
SELECT c.label, c.compression, p.compression AS plain_copy,
       pg_column_size(c.payload) < octet_length(c.payload::text) AS smaller_than_text
FROM stored c JOIN stored p ON p.label = c.label AND NOT p.compressed_path
WHERE c.compressed_path AND c.label NOT LIKE 'row %' ORDER BY c.label;
SELECT c.compression, count(*) AS rows_of_the_statement,
       count(*) FILTER (WHERE p.compression IS NULL) AS plain_copies
FROM stored c JOIN stored p ON p.label = c.label AND NOT p.compressed_path
WHERE c.compressed_path AND c.label LIKE 'row %' GROUP BY 1 ORDER BY 1;

-- The ids of all the events are distinct version 4 UUIDs.
SELECT count(DISTINCT event_id) = count(*) AS distinct_ids,
       bool_and(event_id::text ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$')
           AS version_4
FROM webhook_outbox;

\c contrib_regression
DROP DATABASE booking_events_payload_storage;
