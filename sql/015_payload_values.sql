-- The payload as stored, value for value: text with escapes, control
-- characters and non-ASCII characters, numbers of every kind, NULLs and
-- nested json. The trigger builds the jsonb directly (no text written and
-- parsed again); this output was produced by the text path and must not
-- change. The per-event fields (event_id, event_time, system) are left out.
CREATE DATABASE booking_events_payload_values ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'
    TEMPLATE template0;
\c booking_events_payload_values
CREATE EXTENSION booking_events;
CREATE TABLE payload_values (id int PRIMARY KEY, booking_id text, note text, amount numeric,
    ratio float8, small real, big bigint, flag boolean, doc json, docb jsonb, tags text[]);
CREATE TRIGGER payload_values_webhook AFTER INSERT OR UPDATE OR DELETE ON payload_values
    FOR EACH ROW EXECUTE FUNCTION trigger_booking_event_webhook();

INSERT INTO payload_values VALUES
  (1, 'b-1', E'quote " backslash \\ slash / newline \n tab \t cr \r', 240.00, 0.1, 0.1,
   9223372036854775807, true, '{"a": [1, 2.5, -3e2, {"b": null}], "c": "\u00e9", "d": true}',
   '{"z": 1, "a": {"y": [], "x": {}}}', '{a,"b c",NULL}'),
  (2, 'b-2', E'control \x01 \x1f del \x7f', 12345678901234567890.5, 1e-7, 3.4e38,
   -9223372036854775808, false, '{"e": 1e+100, "big": 123456789012345678901234567890, "u": 18446744073709551615}',
   '[1, "two", null, true]', '{}'),
  (3, NULL, 'é € 😀 ‮ ﻿ 中文', 0.000001, -0.0, -1.5, 0, NULL, '"just a string"', '"s"', NULL),
  (4, 'b-4', NULL, NULL, 'NaN', 'Infinity', NULL, NULL, 'null', 'null', NULL),
  (5, 'b-5', '', 1.10, '-Infinity', 1e-45, 42, true, '{"dup": 1, "dup": 2, "": "empty key"}',
   '{"nested": {"deeper": {"deepest": [[[]]]}}}', ARRAY['"quoted"', 'back\slash']),
  (6, 'b-6', repeat('long ', 400), 99999999999999.99, 123456789.123456789, 1.0, 1, false,
   '[1.0, 1.50, 0.1e1, -0, 1E-2]', '{"n": 1.50}', '{x}');
UPDATE payload_values SET note = 'changed "again"', amount = amount * 2 WHERE id IN (1, 3);
DELETE FROM payload_values WHERE id = 4;

SELECT id, event_type, booking_id,
       (payload - 'event_id' - 'event_time' - 'system')::text AS payload
FROM webhook_outbox ORDER BY id;
SELECT count(*) AS events, count(DISTINCT payload->>'event_id') AS distinct_ids,
       bool_and(payload->'system'->>'version' IS NOT NULL) AS versioned
FROM webhook_outbox;

-- The common types, which the trigger writes into the payload straight from
-- their Datums (text, varchar, char, int2/4/8, numeric, bool, timestamptz,
-- timestamp, date, uuid, jsonb), with the enrichment rows, in a session
-- whose TimeZone and DateStyle are not the defaults. This output, too, was
-- produced by the reference path (the nlohmann tree) and must not change.
TRUNCATE webhook_outbox;
SET TimeZone = 'America/New_York';
SET DateStyle = 'SQL, DMY';
CREATE TABLE profiles (id uuid PRIMARY KEY, full_name text, name varchar(40), email text,
    company_name text);
CREATE TABLE bookings (id uuid PRIMARY KEY, booking_number varchar(20), client_id uuid,
    provider_id uuid, status text, total_price numeric(10, 2), meta jsonb, created_at timestamptz);
CREATE TRIGGER bookings_webhook AFTER UPDATE ON bookings
    FOR EACH ROW EXECUTE FUNCTION trigger_booking_event_webhook();
INSERT INTO profiles VALUES
  ('00000000-0000-4000-8000-000000000001', 'Ada "A" Lovelace', 'ada', 'ada@example.com', NULL),
  ('00000000-0000-4000-8000-000000000002', NULL, 'Bob', NULL, 'Bob & Co ✓');
INSERT INTO bookings VALUES
  ('00000000-0000-4000-8000-0000000000b1', 'BK-1', '00000000-0000-4000-8000-000000000001',
   '00000000-0000-4000-8000-000000000002', 'pending', 240.00,
   '{"rooms": [1, 2.50], "vip": true, "note": null}', '2026-01-17 10:15:30.123456+01');
CREATE TABLE payload_direct (id int PRIMARY KEY, booking_id varchar(40), code char(5), small int2,
    big int8, amount numeric, price numeric(10, 2), flag bool, at timestamptz, local timestamp,
    day date, ref uuid, doc jsonb, note text, status text);
CREATE TRIGGER payload_direct_webhook AFTER INSERT OR UPDATE OR DELETE ON payload_direct
    FOR EACH ROW EXECUTE FUNCTION trigger_booking_event_webhook();
INSERT INTO payload_direct VALUES
  (1, '00000000-0000-4000-8000-0000000000b1', 'ab', -32768, 9223372036854775807, 240.00, 12.50,
   true, '2026-01-17 10:15:30.123456+01', '2026-01-17 10:15:30.5', '2026-01-17',
   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
   '{"price": 12.50, "n": 1.0, "big": 123456789012345678901234567890, "neg": -5,
     "u": 18446744073709551615, "over": 99999999999999999999, "s": "é \" \\ \n",
     "nested": {"a": [1, 2.50, null, true, -0.0, 1e-7]}, "": {}}',
   E'quote " backslash \\ slash / newline \n tab \t cr \r control \x01 é € 😀', 'pending'),
  (2, NULL, NULL, 0, -9223372036854775808, 'NaN', 0.00, false, 'infinity', '-infinity',
   'infinity', NULL, '"a string"', repeat('long é ', 2000), NULL),
  (3, 'b-3', 'xyz', 7, 0, 12345678901234567890.123, 99999999.99, NULL,
   '1999-12-31 23:59:59.999+14', '0044-03-15 12:00:00 BC', '0001-01-01 BC',
   '00000000-0000-0000-0000-000000000000', '42', '', 'x'),
  (4, 'b-4', NULL, NULL, NULL, 0.000001, -0.01, true, NULL, NULL, NULL, NULL, '[]', NULL, NULL),
  (5, 'b-5', 'c', 1, 1, 'Infinity', 1.5, false, '2026-06-30 23:59:59.999999-07', NULL, NULL,
   NULL, '1.50', 'five', 'y'),
  (6, 'b-6', NULL, -1, -1, '-Infinity', -0.5, NULL, NULL, NULL, NULL, NULL, 'true', NULL, NULL),
  (7, 'b-7', NULL, NULL, NULL, 1234567890123.45, NULL, NULL, NULL, NULL, NULL, NULL, 'null',
   NULL, NULL),
  (8, 'b-8', NULL, NULL, NULL, 99999999999999.5, NULL, NULL, NULL, NULL, NULL, NULL,
   '{"z": [[]], "a": {"b": {"c": "deep"}}}', NULL, NULL),
  -- Numbers past a double: the reference path carries the whole value as
  -- its text, a string (the trigger hands such an event to that path).
  (9, 'b-9', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"huge": 1e400}', NULL,
   NULL),
  (10, 'b-10', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '-1e400', NULL, NULL);
UPDATE payload_direct SET status = 'confirmed', amount = amount * 2 WHERE id IN (1, 2);
UPDATE payload_direct SET note = 'only the note' WHERE id = 5;
DELETE FROM payload_direct WHERE id = 3;
UPDATE bookings SET status = 'confirmed';
RESET TimeZone;
RESET DateStyle;
SELECT id, event_type, booking_id,
       (payload - 'event_id' - 'event_time' - 'system')::text AS payload
FROM webhook_outbox ORDER BY id;

\c contrib_regression
DROP DATABASE booking_events_payload_values;
