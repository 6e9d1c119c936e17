-- The outbox row is part of the user's transaction.
CREATE EXTENSION booking_events;
CREATE TABLE booking_events (id bigserial PRIMARY KEY, booking_id text, event_type text, description text);
CREATE TRIGGER booking_events_webhook_trigger
    AFTER INSERT ON booking_events FOR EACH ROW
    EXECUTE FUNCTION trigger_booking_event_webhook();

-- A rolled-back transaction leaves nothing to send.
BEGIN;
INSERT INTO booking_events (booking_id, event_type) VALUES ('b-1', 'booking.created');
SELECT count(*) AS inside_transaction FROM webhook_outbox;
ROLLBACK;
SELECT count(*) AS after_rollback FROM webhook_outbox;

-- A rolled-back savepoint takes its events with it; the rest commit.
BEGIN;
INSERT INTO booking_events (booking_id, event_type) VALUES ('b-1', 'kept.first');
SAVEPOINT s;
INSERT INTO booking_events (booking_id, event_type) VALUES ('b-1', 'discarded');
ROLLBACK TO SAVEPOINT s;
INSERT INTO booking_events (booking_id, event_type) VALUES ('b-1', 'kept.second');
COMMIT;
SELECT event_type FROM webhook_outbox ORDER BY id;

-- A user's statement that fails for its own reasons fails as usual.
INSERT INTO booking_events (id, booking_id, event_type)
SELECT min(id), 'b-1', 'duplicate key' FROM booking_events;
SELECT count(*) FROM webhook_outbox;

-- Multi-row statements enqueue one event per row, in order.
INSERT INTO booking_events (booking_id, event_type)
SELECT 'b-2', 'bulk.' || g FROM generate_series(1, 5) g;
SELECT string_agg(event_type, ',' ORDER BY id) FROM webhook_outbox WHERE booking_id = 'b-2';

-- Event ids are unique.
SELECT count(*) = count(DISTINCT event_id) AS unique_ids FROM webhook_outbox;

DROP TABLE booking_events;
DROP EXTENSION booking_events;
