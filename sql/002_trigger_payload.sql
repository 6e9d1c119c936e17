-- Events written by the trigger: types, payload, enrichment.
CREATE EXTENSION booking_events;

-- The application's tables and the contract's triggers (test/fixtures/),
-- not echoed: the expected output depends on what they do, not their text.
\set ECHO none
\i test/fixtures/app_schema.sql
\i test/fixtures/app_triggers.sql
\set ECHO all
-- A jsonb column, to see it carried into the payload as JSON.
ALTER TABLE bookings ADD COLUMN notes jsonb;

-- Payloads with what changes from run to run replaced by placeholders.
CREATE FUNCTION masked(p jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_strip_nulls(p
        || jsonb_build_object('event_id', '<uuid>', 'event_time', '<time>')
        || jsonb_build_object('system', p->'system' || '{"timestamp": "<time>"}')
        || jsonb_build_object('booking_event', (p->'booking_event')
              || jsonb_build_object('created_at', CASE WHEN p->'booking_event' ? 'created_at' THEN '<time>' END)
              || jsonb_build_object('record', (p->'booking_event'->'record')
                     || jsonb_build_object('created_at', CASE WHEN p->'booking_event'->'record' ? 'created_at' THEN '<time>' END))
              || CASE WHEN p->'booking_event' ? 'old_record' THEN jsonb_build_object('old_record', (p->'booking_event'->'old_record') || '{"created_at": "<time>"}') ELSE '{}' END)
        || CASE WHEN p ? 'booking_details' THEN jsonb_build_object('booking_details', (p->'booking_details') || '{"created_at": "<time>"}') ELSE '{}' END)
$$;

INSERT INTO profiles VALUES
    ('11111111-1111-1111-1111-111111111111', 'Alice Client', 'alice@example.com', NULL),
    ('22222222-2222-2222-2222-222222222222', 'Bob Provider', 'bob@example.com', 'Bob & Co');
INSERT INTO bookings (id, booking_number, client_id, provider_id, status, total_price, notes)
VALUES ('33333333-3333-3333-3333-333333333333', 'BK-0001', '11111111-1111-1111-1111-111111111111',
        '22222222-2222-2222-2222-222222222222', 'pending', 120.50, '{"room": 4, "vip": true}');

-- An inserted booking event: its type, booking details, client and provider.
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.confirmed', 'Confirmed by provider',
        '11111111-1111-1111-1111-111111111111');
SELECT event_type, booking_id, status, attempts, next_attempt_at <= now() AS due
FROM webhook_outbox ORDER BY id;
SELECT jsonb_pretty(masked(payload)) FROM webhook_outbox ORDER BY id DESC LIMIT 1;
-- The event id in the payload is the outbox's.
SELECT bool_and((payload->>'event_id')::uuid = event_id) AS same_event_id FROM webhook_outbox;
-- event_time is ISO 8601 UTC with milliseconds.
SELECT bool_and(payload->>'event_time' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$') AS iso_time
FROM webhook_outbox;

-- A status change of a booking.
UPDATE bookings SET status = 'confirmed' WHERE id = '33333333-3333-3333-3333-333333333333';
SELECT jsonb_pretty(masked(payload)) FROM webhook_outbox ORDER BY id DESC LIMIT 1;

-- The WHEN clause of the contract's trigger: no status change, no event.
UPDATE bookings SET total_price = 130 WHERE id = '33333333-3333-3333-3333-333333333333';
SELECT count(*) FROM webhook_outbox;

-- NULL event_type.
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('33333333-3333-3333-3333-333333333333', NULL, 'no type');
SELECT event_type FROM webhook_outbox ORDER BY id DESC LIMIT 1;

-- Enrichment absent: unknown booking, no booking at all.
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('44444444-4444-4444-4444-444444444444', 'booking.note', 'unknown booking');
INSERT INTO booking_events (booking_id, event_type, description) VALUES (NULL, 'system.note', 'none');
SELECT event_type, booking_id, payload ? 'booking_details' AS has_details,
       payload ? 'client_info' AS has_client, payload ? 'provider_info' AS has_provider
FROM webhook_outbox ORDER BY id DESC LIMIT 2;

-- A booking whose client has no profile row: client_info is omitted.
INSERT INTO bookings (id, booking_number, client_id, provider_id, status)
VALUES ('55555555-5555-5555-5555-555555555555', 'BK-0002', '99999999-9999-9999-9999-999999999999',
        '22222222-2222-2222-2222-222222222222', 'pending');
INSERT INTO booking_events (booking_id, event_type) VALUES ('55555555-5555-5555-5555-555555555555', 'booking.created');
SELECT payload ? 'client_info' AS has_client, payload->'provider_info'->>'name' AS provider
FROM webhook_outbox ORDER BY id DESC LIMIT 1;

-- Any other table: <table>.inserted / updated / deleted, with the row.
CREATE TABLE invoices (id int PRIMARY KEY, booking_id text, amount numeric, paid boolean,
                       issued date, meta json, tags text[], big numeric);
CREATE TRIGGER invoices_webhook AFTER INSERT OR UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION trigger_booking_event_webhook();
INSERT INTO invoices VALUES (7, 'not-a-uuid', 99.95, false, '2026-01-17', '{"a": [1, 2]}',
                             '{x,y}', 123456789012345678901234.5);
UPDATE invoices SET paid = true;
DELETE FROM invoices;
SELECT event_type, booking_id, payload->'booking_event'->>'operation' AS operation,
       payload->'booking_event'->'record' AS record,
       payload->'booking_event' ? 'old_record' AS has_old,
       payload ? 'booking_details' AS has_details
FROM webhook_outbox WHERE event_type LIKE 'invoices.%' ORDER BY id;

-- The bookings table itself: created, updated, deleted.
CREATE TRIGGER bookings_all AFTER INSERT OR DELETE ON bookings
    FOR EACH ROW EXECUTE FUNCTION trigger_booking_event_webhook();
INSERT INTO bookings (id, booking_number, status) VALUES ('66666666-6666-6666-6666-666666666666', 'BK-6', 'new');
DELETE FROM bookings WHERE id = '66666666-6666-6666-6666-666666666666';
SELECT event_type, booking_id, payload->'booking_details'->>'booking_number' AS number
FROM webhook_outbox ORDER BY id DESC LIMIT 2;

-- A statement-level or BEFORE trigger is a usage error.
CREATE TABLE wrong_use (id int);
CREATE TRIGGER wrong_use_trigger BEFORE INSERT ON wrong_use
    FOR EACH ROW EXECUTE FUNCTION trigger_booking_event_webhook();
INSERT INTO wrong_use VALUES (1);
SELECT trigger_booking_event_webhook();

-- The payload never depends on the session's DateStyle.
SET datestyle = 'SQL, DMY';
INSERT INTO booking_events (booking_id, event_type, created_at)
VALUES (NULL, 'style.check', '2026-01-17 10:15:30.123+00');
SELECT payload->'booking_event'->'record'->>'created_at' FROM webhook_outbox ORDER BY id DESC LIMIT 1;
RESET datestyle;

DROP TABLE profiles, bookings, booking_events, invoices, wrong_use;
DROP EXTENSION booking_events;
DROP FUNCTION masked(jsonb);
