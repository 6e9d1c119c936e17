-- Included by a regress test (\i) and read by a TAP test: installed the
-- way a DBA does it. The extension in schema hooks, the application's
-- tables in schema booking (bookings partitioned), the triggers, a client
-- and a provider and their booking, and the login role booking_app holding
-- only its own table privileges (no USAGE on hooks).
CREATE SCHEMA hooks;
CREATE EXTENSION booking_events SCHEMA hooks;
CREATE SCHEMA booking;
CREATE TABLE booking.profiles (id uuid PRIMARY KEY, full_name text, email text, company_name text);
CREATE TABLE booking.bookings (id uuid PRIMARY KEY, booking_number text, client_id uuid,
                               provider_id uuid, status text) PARTITION BY HASH (id);
CREATE TABLE booking.bookings_p0 PARTITION OF booking.bookings FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE booking.bookings_p1 PARTITION OF booking.bookings FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE booking.booking_events (id bigserial PRIMARY KEY, booking_id uuid, event_type text,
                                     description text, user_id uuid);
CREATE TRIGGER booking_events_webhook_trigger
    AFTER INSERT ON booking.booking_events FOR EACH ROW
    EXECUTE FUNCTION hooks.trigger_booking_event_webhook();
CREATE TRIGGER bookings_webhook_trigger
    AFTER UPDATE ON booking.bookings FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION hooks.trigger_booking_event_webhook();
INSERT INTO booking.profiles VALUES
    ('11111111-1111-1111-1111-111111111111', 'Alice', 'alice@example.com', NULL),
    ('22222222-2222-2222-2222-222222222222', 'Bob', 'bob@example.com', 'Bob Ltd');
INSERT INTO booking.bookings VALUES
    ('33333333-3333-3333-3333-333333333333', 'BK-1', '11111111-1111-1111-1111-111111111111',
     '22222222-2222-2222-2222-222222222222', 'pending');
CREATE ROLE booking_app LOGIN;
GRANT USAGE ON SCHEMA booking TO booking_app;
GRANT INSERT ON booking.booking_events TO booking_app;
GRANT USAGE ON SEQUENCE booking.booking_events_id_seq TO booking_app;
GRANT SELECT (id), UPDATE (status) ON booking.bookings TO booking_app;
