-- Least privilege and name resolution: an application role fires the
-- triggers with no right on the extension's objects; an outsider reaches
-- nothing; the caller's search_path cannot hijack what runs as the owner.
CREATE EXTENSION booking_events;
CREATE TABLE profiles (id uuid PRIMARY KEY, full_name text, email text, company_name text);
CREATE TABLE bookings (id uuid PRIMARY KEY, booking_number text, client_id uuid, provider_id uuid,
                       status text);
CREATE TABLE booking_events (id bigserial PRIMARY KEY, booking_id uuid, event_type text,
                             description text, user_id uuid);
CREATE TRIGGER booking_events_webhook_trigger
    AFTER INSERT ON booking_events FOR EACH ROW
    EXECUTE FUNCTION trigger_booking_event_webhook();
CREATE TRIGGER bookings_webhook_trigger
    AFTER UPDATE ON bookings FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION trigger_booking_event_webhook();
INSERT INTO profiles VALUES ('11111111-1111-1111-1111-111111111111', 'Alice', 'a@example.com', NULL);
INSERT INTO bookings VALUES ('33333333-3333-3333-3333-333333333333', 'BK-1',
                             '11111111-1111-1111-1111-111111111111', NULL, 'pending');

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

-- A caller who puts a schema of their own first in search_path, with an
-- "=" operator for uuid, gets their events queued and enriched, and their
-- operator is never run by the trigger's lookups (they run as the owner).
GRANT CREATE ON DATABASE contrib_regression TO booking_app;
SET ROLE booking_app;
CREATE SCHEMA hijack;
CREATE TABLE hijack.calls (who text);
CREATE FUNCTION hijack.uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hijack.calls VALUES (current_user);
    RETURN $1::text = $2::text;
END $$;
CREATE OPERATOR hijack.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = hijack.uuid_eq);
SET search_path = hijack, pg_catalog, public;
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.note', 'with a hostile search_path');
SELECT count(*) AS operator_calls FROM hijack.calls;
RESET search_path;
RESET ROLE;
SELECT payload->'booking_details'->>'booking_number' AS booking_number
FROM webhook_outbox ORDER BY id DESC LIMIT 1;

DROP SCHEMA hijack CASCADE;
REVOKE CREATE ON DATABASE contrib_regression FROM booking_app;
DROP TABLE profiles, bookings, booking_events;
DROP EXTENSION booking_events;
DROP ROLE booking_app, booking_outsider;
