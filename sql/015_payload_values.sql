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
\c contrib_regression
DROP DATABASE booking_events_payload_values;
