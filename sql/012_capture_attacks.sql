-- Attacks on the trigger path (issue #10), each run by a role holding only
-- what every role gets (CONNECT and TEMP through PUBLIC) or by the
-- application role, and each shown to fail with its SQLSTATE.
CREATE EXTENSION booking_events;
\i test/sql/error_of.sql
\i test/sql/app_tables.sql
CREATE ROLE booking_app;
GRANT INSERT ON booking_events TO booking_app;
GRANT USAGE ON SEQUENCE booking_events_id_seq TO booking_app;
CREATE ROLE intruder;  -- nothing of its own: CONNECT and TEMP come from PUBLIC

-- 1. Superuser through a temporary view that shadows the bookings table,
-- by a role with nothing: it may not attach the trigger function at all.
SELECT has_function_privilege('intruder', 'trigger_booking_event_webhook()', 'EXECUTE');
SET ROLE intruder;
SELECT error_of($q$CREATE FUNCTION pg_temp.escalate() RETURNS int LANGUAGE plpgsql AS $f$
BEGIN EXECUTE 'ALTER ROLE intruder SUPERUSER'; RETURN 1; END $f$$q$);
SELECT error_of($$CREATE TEMP VIEW bookings AS
    SELECT '33333333-3333-3333-3333-333333333333'::uuid AS id, pg_temp.escalate() AS x$$);
SELECT error_of('CREATE TEMP TABLE booking_events (id int, booking_id uuid, event_type text)');
SELECT error_of($$CREATE TRIGGER forge AFTER INSERT ON pg_temp.booking_events FOR EACH ROW
    EXECUTE FUNCTION trigger_booking_event_webhook()$$);
SELECT error_of($$INSERT INTO pg_temp.booking_events
    VALUES (1, '33333333-3333-3333-3333-333333333333', 'booking.cancelled')$$);
-- (Its temporary objects go: the next roles share this session's pg_temp.)
DROP TABLE IF EXISTS pg_temp.booking_events;
DROP VIEW IF EXISTS pg_temp.bookings;
DROP FUNCTION IF EXISTS pg_temp.escalate();
RESET ROLE;

-- 2. The same through the application role, which may fire the real
-- trigger: the lookup never sees its temporary view, never runs its code.
SET ROLE booking_app;
CREATE FUNCTION pg_temp.escalate() RETURNS int LANGUAGE plpgsql AS $$
BEGIN EXECUTE 'ALTER ROLE booking_app SUPERUSER'; RETURN 1; END $$;
CREATE TEMP VIEW bookings AS
    SELECT '33333333-3333-3333-3333-333333333333'::uuid AS id, pg_temp.escalate() AS x;
CREATE TEMP VIEW profiles AS
    SELECT '11111111-1111-1111-1111-111111111111'::uuid AS id, pg_temp.escalate() AS x;
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.paid', 'through the app role');
DROP VIEW pg_temp.bookings, pg_temp.profiles;
DROP FUNCTION pg_temp.escalate();
RESET ROLE;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname IN ('booking_app', 'intruder') ORDER BY 1;
-- The event carries the real booking and profile, nothing from the views.
SELECT event_type, payload->'booking_details'->>'booking_number' AS booking_number,
       payload->'booking_details' ? 'x' AS view_column, payload->'client_info'->>'name' AS client
FROM webhook_outbox ORDER BY id;

-- 3. Forged events from a temporary table named booking_events, by a role
-- the DBA did let attach triggers: refused when the trigger fires.
CREATE ROLE trigger_admin;
GRANT EXECUTE ON FUNCTION trigger_booking_event_webhook() TO trigger_admin;
SET ROLE trigger_admin;
CREATE TEMP TABLE booking_events (id int, booking_id uuid, event_type text);
CREATE TRIGGER forge AFTER INSERT ON pg_temp.booking_events FOR EACH ROW
    EXECUTE FUNCTION trigger_booking_event_webhook();
SELECT error_of($$INSERT INTO pg_temp.booking_events
    VALUES (1, '33333333-3333-3333-3333-333333333333', 'booking.cancelled')$$);
DROP TABLE pg_temp.booking_events;
RESET ROLE;
SELECT count(*) AS events FROM webhook_outbox;

-- 4. A view (or another relation that runs code) where an enrichment table
-- is expected: refused when the setting is written...
CREATE VIEW profiles_view AS SELECT * FROM profiles;
CREATE MATERIALIZED VIEW bookings_snapshot AS SELECT * FROM bookings;
CREATE TEMP TABLE temp_bookings (id uuid);
-- (SQLSTATE 22023, invalid_parameter_value.)
ALTER SYSTEM SET booking_events.profiles_table = 'profiles_view';
ALTER SYSTEM SET booking_events.bookings_table = 'public.bookings_snapshot';
ALTER SYSTEM SET booking_events.bookings_table = 'pg_temp.temp_bookings';
-- ...and skipped with a WARNING when it appears later under the configured
-- name: the view's code never runs, the event is queued without it.
CREATE TABLE view_calls (who text);
CREATE FUNCTION noisy() RETURNS int LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.view_calls VALUES (current_user); RETURN 1; END $$;
ALTER TABLE profiles RENAME TO profiles_data;
CREATE VIEW profiles AS SELECT p.*, noisy() AS x FROM profiles_data p;
SET ROLE booking_app;
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.viewed', 'profiles is a view');
RESET ROLE;
SELECT count(*) AS view_calls FROM view_calls;
SELECT event_type, payload ? 'booking_details' AS booking_details, payload ? 'client_info' AS client_info
FROM webhook_outbox ORDER BY id DESC LIMIT 1;
DROP VIEW profiles;
ALTER TABLE profiles_data RENAME TO profiles;

-- 5. A hostile search_path: the caller's own bookings table and "="
-- operator first. The lookup reads public.bookings and runs neither.
GRANT CREATE ON DATABASE contrib_regression TO booking_app;
SET ROLE booking_app;
\i test/sql/hostile_operator.sql
CREATE TABLE hijack.bookings (id uuid, booking_number text);
INSERT INTO hijack.bookings VALUES ('33333333-3333-3333-3333-333333333333', 'FAKE');
SET search_path = hijack, pg_catalog, public;
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.note', 'with a hostile search_path');
SELECT count(*) AS operator_calls FROM hijack.calls;
RESET search_path;
RESET ROLE;
SELECT payload->'booking_details'->>'booking_number' AS booking_number
FROM webhook_outbox ORDER BY id DESC LIMIT 1;

-- 6. Lookups read as the table's owner in a restricted security context:
-- a function the owner's row-level policy calls sees the owner, and may
-- not change roles or settings beyond the statement.
CREATE ROLE bookings_owner;
ALTER TABLE bookings OWNER TO bookings_owner;
CREATE TABLE lookup_readers (who text, restricted text);
GRANT INSERT ON lookup_readers TO bookings_owner;
CREATE FUNCTION note_reader() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.lookup_readers
    VALUES (current_user, public.error_of('CREATE TEMP TABLE escape_hatch (x int)'));
    RETURN true;
END $$;
ALTER TABLE bookings ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_reads ON bookings FOR SELECT USING (note_reader());
SET ROLE booking_app;
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.owner', 'read as the owner');
RESET ROLE;
SELECT DISTINCT who, restricted FROM lookup_readers;
SELECT payload->'booking_details'->>'booking_number' AS booking_number
FROM webhook_outbox ORDER BY id DESC LIMIT 1;
-- A table its owner may not read gives no booking_details (and no error).
REVOKE SELECT ON bookings FROM bookings_owner;
SET ROLE booking_app;
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.hidden', 'owner cannot read');
RESET ROLE;
SELECT event_type, payload ? 'booking_details' AS booking_details
FROM webhook_outbox ORDER BY id DESC LIMIT 1;

DROP SCHEMA hijack CASCADE;
REVOKE CREATE ON DATABASE contrib_regression FROM booking_app;
DROP VIEW profiles_view;
DROP MATERIALIZED VIEW bookings_snapshot;
DROP TABLE profiles, bookings, booking_events, view_calls, lookup_readers, temp_bookings;
DROP FUNCTION noisy(), note_reader(), error_of(text);
DROP EXTENSION booking_events;
DROP ROLE booking_app, intruder, trigger_admin, bookings_owner;
