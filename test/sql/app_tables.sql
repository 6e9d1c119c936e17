-- Included by regress tests (\i): the test application's tables and the
-- contract's two triggers (test/fixtures, shared with every other reader),
-- in the current schema, plus one profile and one booking.
\i test/fixtures/app_schema.sql
\i test/fixtures/app_triggers.sql
INSERT INTO profiles VALUES ('11111111-1111-1111-1111-111111111111', 'Alice', 'a@example.com', NULL);
INSERT INTO bookings (id, booking_number, client_id, provider_id, status)
VALUES ('33333333-3333-3333-3333-333333333333', 'BK-1', '11111111-1111-1111-1111-111111111111',
        NULL, 'pending');
