-- Least privilege and name resolution: an application role fires the
-- triggers with no right on the extension's objects; an outsider reaches
-- nothing; the SECURITY DEFINER functions pin their search_path. (The
-- attacks on the trigger path, a hostile search_path among them, are in
-- 012_capture_attacks.)
CREATE EXTENSION booking_events;
\i test/sql/app_tables.sql

-- The application role: INSERT on booking_events, UPDATE on bookings, and
-- nothing else (not even SELECT on bookings or profiles).
CREATE ROLE booking_app;
GRANT INSERT ON booking_events TO booking_app;
GRANT USAGE ON SEQUENCE booking_events_id_seq TO booking_app;
GRANT UPDATE ON bookings TO booking_app;
CREATE ROLE booking_outsider;

SET ROLE booking_app;
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.paid', 'by the app role');
UPDATE bookings SET status = 'confirmed';
SELECT count(*) FROM webhook_outbox;
RESET ROLE;
-- Both events were queued, and enriched although the role may not read
-- bookings or profiles.
SELECT event_type, payload->'booking_details'->>'booking_number' AS booking_number,
       payload->'client_info'->>'name' AS client
FROM webhook_outbox ORDER BY id;

-- An outsider reaches none of the extension's data or functions.
SET ROLE booking_outsider;
SELECT count(*) FROM webhook_outbox;
SELECT count(*) FROM webhook_logs;
SELECT * FROM webhook_stats;
SELECT retry_failed_webhooks();
SELECT cleanup_webhook_logs(1);
SELECT manually_trigger_webhook('bookings', '33333333-3333-3333-3333-333333333333');
SELECT * FROM booking_events_replay(0);
INSERT INTO webhook_outbox (event_id, event_type, payload) VALUES (gen_random_uuid(), 'forged', '{}');
RESET ROLE;

-- Every SECURITY DEFINER function pins its search_path.
SELECT p.oid::regprocedure AS function,
       EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%') AS pinned
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'booking_events'
WHERE p.prosecdef ORDER BY p.proname;

DROP TABLE profiles, bookings, booking_events;
DROP EXTENSION booking_events;
DROP ROLE booking_app, booking_outsider;
