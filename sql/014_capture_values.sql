-- Values the database accepts never fail the application's statement and
-- are not silently changed: database encodings other than UTF-8, json
-- values jsonb cannot hold; and manually_trigger_webhook reading as its
-- caller with its own operators.

-- Each database gets the extension and a table with the trigger.
\set notes_with_trigger 'CREATE EXTENSION booking_events; CREATE TABLE notes (id int PRIMARY KEY, booking_id text, doc json, note text); CREATE TRIGGER notes_webhook AFTER INSERT ON notes FOR EACH ROW EXECUTE FUNCTION trigger_booking_event_webhook();'

-- LATIN1: a json value with a character LATIN1 cannot store ("\u20ac") is
-- carried as its JSON text (a string); LATIN1 text arrives as UTF-8.
CREATE DATABASE booking_events_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'
    TEMPLATE template0;
\c booking_events_latin1
:notes_with_trigger
INSERT INTO notes VALUES (1, 'b-1', '"\u20ac"', convert_from('\x636166e9', 'LATIN1'));
INSERT INTO notes VALUES (2, 'b-2', '{"price": "\u00e9", "n": 1}', NULL);
SELECT id, jsonb_typeof(doc) AS kind, CASE jsonb_typeof(doc) WHEN 'string' THEN doc #>> '{}' END AS json_text,
       encode(convert_to(doc->>'price', 'UTF8'), 'hex') AS price_utf8,
       encode(convert_to(note, 'UTF8'), 'hex') AS note_utf8
FROM (SELECT id, payload->'booking_event'->'record'->'doc' AS doc,
             payload->'booking_event'->'record'->>'note' AS note FROM webhook_outbox) AS o
ORDER BY id;
\c contrib_regression
DROP DATABASE booking_events_latin1;

-- SQL_ASCII: bytes pass through unchanged, whatever they are.
CREATE DATABASE booking_events_sql_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'
    TEMPLATE template0;
\c booking_events_sql_ascii
:notes_with_trigger
INSERT INTO notes VALUES (1, E'b-\351', NULL, E'caf\351 \303\251 \377');
SELECT encode(convert_to(payload->'booking_event'->'record'->>'note', 'SQL_ASCII'), 'hex') AS note,
       encode(convert_to(booking_id, 'SQL_ASCII'), 'hex') AS booking_id
FROM webhook_outbox ORDER BY id;
\c contrib_regression
DROP DATABASE booking_events_sql_ascii;

-- UTF-8: json accepts "\u0000", jsonb does not; the value is carried as
-- its JSON text instead of failing the INSERT.
CREATE DATABASE booking_events_utf8 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'
    TEMPLATE template0;
\c booking_events_utf8
:notes_with_trigger
INSERT INTO notes VALUES (1, 'b-1', '{"a": "x\u0000y"}', NULL);
INSERT INTO notes VALUES (2, 'b-2', '{"a": "\u20ac"}', NULL);
SELECT id, payload->'booking_event'->'record'->'doc' AS doc FROM webhook_outbox ORDER BY id;

-- A booking_id that is not a valid uuid for the bookings table's id
-- column omits the enrichment and never fails the INSERT.
CREATE TABLE bookings (id uuid PRIMARY KEY, booking_number text);
INSERT INTO notes VALUES (3, '-00000000000000000000000000000000', NULL, NULL);
INSERT INTO notes VALUES (4, '0000-00000000-0000-0000-00000000000-0', NULL, NULL);
SELECT id, booking_id, payload ? 'booking_details' AS enriched FROM webhook_outbox
WHERE id > 2 ORDER BY id;

-- manually_trigger_webhook reads as its caller (privileges and row-level
-- security), with the key type's own equality operator, whatever the
-- caller's search_path holds.
INSERT INTO bookings VALUES ('33333333-3333-3333-3333-333333333333', 'BK-1'),
                            ('44444444-4444-4444-4444-444444444444', 'BK-2');
CREATE ROLE webhook_operator;
GRANT EXECUTE ON FUNCTION manually_trigger_webhook(text, text) TO webhook_operator;
GRANT CREATE ON DATABASE booking_events_utf8 TO webhook_operator;
SET ROLE webhook_operator;
SELECT manually_trigger_webhook('bookings', '33333333-3333-3333-3333-333333333333') IS NOT NULL;
RESET ROLE;
GRANT SELECT ON bookings TO webhook_operator;
ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
CREATE POLICY first_only ON bookings FOR SELECT
    USING (booking_number = 'BK-1');
SET ROLE webhook_operator;
\i test/sql/hostile_operator.sql
SET search_path = hijack, pg_catalog, public;
SELECT manually_trigger_webhook('bookings', '33333333-3333-3333-3333-333333333333') IS NOT NULL;
SELECT manually_trigger_webhook('bookings', '44444444-4444-4444-4444-444444444444') IS NOT NULL;
SELECT count(*) AS operator_calls FROM hijack.calls;
RESET search_path;
-- A temporary table is no source of events.
CREATE TEMP TABLE bookings (id uuid PRIMARY KEY, booking_number text);
INSERT INTO pg_temp.bookings VALUES ('33333333-3333-3333-3333-333333333333', 'FAKE');
SELECT manually_trigger_webhook('pg_temp.bookings', '33333333-3333-3333-3333-333333333333');
DROP TABLE pg_temp.bookings;
DROP SCHEMA hijack CASCADE;
RESET ROLE;
SELECT event_type, payload->'booking_event'->>'manual' AS manual,
       payload->'booking_details'->>'booking_number' AS booking_number
FROM webhook_outbox WHERE id > 4 ORDER BY id;
\c contrib_regression
DROP DATABASE booking_events_utf8;
DROP ROLE webhook_operator;
