-- Installed the way a DBA does it: the extension in a schema of its own,
-- the application's tables in another (bookings partitioned), and an
-- application role holding only its own table privileges.
\i test/sql/booking_schemas.sql
SELECT has_schema_privilege('booking_app', 'hooks', 'USAGE') AS app_uses_hooks;

-- Unconfigured, the default names ("bookings", "profiles") are looked up in
-- the extension's schema, then in public, whatever the session's
-- search_path: both sessions get the same event type, and no enrichment.
SET ROLE booking_app;
SET search_path = booking;
UPDATE bookings SET status = 'confirmed' WHERE id = '33333333-3333-3333-3333-333333333333';
RESET search_path;
UPDATE booking.bookings SET status = 'paid' WHERE id = '33333333-3333-3333-3333-333333333333';
RESET ROLE;
SELECT event_type, booking_id, payload ? 'booking_details' AS enriched
FROM hooks.webhook_outbox ORDER BY id;
-- validate_webhook_config() says so.
SELECT w AS warning FROM hooks.validate_webhook_config(), unnest(warnings) AS w
WHERE w LIKE '%_table %' ORDER BY 1;

-- Configured with schema-qualified names (a name that does not exist is
-- accepted with a warning: the table may come later).
ALTER SYSTEM SET booking_events.bookings_table = 'booking.nosuch';
ALTER SYSTEM SET booking_events.bookings_table = 'booking.bookings';
ALTER SYSTEM SET booking_events.profiles_table = 'booking.profiles';
SELECT pg_reload_conf();
-- (A new session starts with the postmaster's settings, reloaded by now.)
\c
SHOW booking_events.bookings_table;

-- The writes work, as the application role, and are enriched although the
-- role may read neither the outbox nor profiles; the partition's UPDATE is
-- an event of the bookings table (type, booking_id and table name).
SET ROLE booking_app;
INSERT INTO booking.booking_events (booking_id, event_type, description)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.paid', 'from the app role');
UPDATE booking.bookings SET status = 'completed' WHERE id = '33333333-3333-3333-3333-333333333333';
RESET ROLE;
SELECT event_type, booking_id, payload->'booking_event'->>'table' AS "table",
       payload->'booking_details'->>'booking_number' AS booking_number,
       payload->'client_info'->>'name' AS client
FROM hooks.webhook_outbox ORDER BY id DESC LIMIT 2;

ALTER SYSTEM RESET booking_events.bookings_table;
ALTER SYSTEM RESET booking_events.profiles_table;
SELECT pg_reload_conf();
\c
SHOW booking_events.bookings_table;

-- DROP and CREATE EXTENSION within one transaction: the trigger writes to
-- the new outbox at once.
BEGIN;
DROP EXTENSION booking_events CASCADE;
CREATE EXTENSION booking_events SCHEMA hooks;
CREATE TRIGGER booking_events_webhook_trigger
    AFTER INSERT ON booking.booking_events FOR EACH ROW
    EXECUTE FUNCTION hooks.trigger_booking_event_webhook();
INSERT INTO booking.booking_events (booking_id, event_type, description)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.recreated', 'into the new outbox');
COMMIT;
SELECT id, event_type FROM hooks.webhook_outbox;

DROP SCHEMA booking CASCADE;
DROP EXTENSION booking_events;
DROP SCHEMA hooks;
DROP ROLE booking_app;
