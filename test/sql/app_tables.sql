-- Included by regress tests (\i): the application's tables in the current
-- schema, both triggers of the contract, one profile and one booking.
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
