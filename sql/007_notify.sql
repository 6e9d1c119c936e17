-- Real-time notifications: published on commit only, on the all-events
-- channel and one channel per known id, with a compact JSON payload that
-- stays under NOTIFY's 8000-byte limit.
--
-- psql prints each notification it receives after the command that
-- completed, to its query output. Each block below sends that output
-- through `\o | sed`, which masks what changes from run to run (event_id,
-- created_at, the sender's PID); the masked lines appear when the block's
-- closing `\o` runs, after the block's statements.
CREATE EXTENSION booking_events;
CREATE TABLE bookings (id text PRIMARY KEY, client_id text, provider_id text, status text);
CREATE TABLE booking_events (
    id bigserial PRIMARY KEY, booking_id text, event_type text, description text,
    user_id text, created_at timestamptz DEFAULT now());
CREATE TRIGGER booking_events_webhook_trigger
    AFTER INSERT ON booking_events FOR EACH ROW
    EXECUTE FUNCTION trigger_booking_event_webhook();
INSERT INTO bookings VALUES ('b-1', 'c-1', 'p-1', 'pending');

LISTEN booking_events;
LISTEN "booking_events:booking:b-1";
LISTEN "booking_events:user:u-1";
LISTEN "booking_events:client:c-1";
LISTEN "booking_events:provider:p-1";

-- One event, five channels: the notifications come at COMMIT, after the
-- query that ran inside the transaction. The payload carries every field.
\o | sed -E 's/"(event_id|created_at)":"[^"]*"/"\1":"<masked>"/g; s/PID [0-9]+/PID <pid>/'
BEGIN;
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES ('b-1', 'booking.confirmed', 'Confirmed "now" \ ok', 'u-1');
SELECT 'inside the transaction' AS nothing_yet;
COMMIT;
\o

-- A rolled-back transaction publishes nothing; a rolled-back savepoint
-- takes its own events with it.
\o | sed -E 's/"(event_id|created_at)":"[^"]*"/"\1":"<masked>"/g; s/PID [0-9]+/PID <pid>/'
BEGIN;
INSERT INTO booking_events (booking_id, event_type) VALUES ('b-1', 'rolled.back');
ROLLBACK;
BEGIN;
INSERT INTO booking_events (booking_id, event_type) VALUES ('b-1', 'kept');
SAVEPOINT s;
INSERT INTO booking_events (booking_id, event_type) VALUES ('b-1', 'undone');
ROLLBACK TO SAVEPOINT s;
COMMIT;
\o

-- Ids that are unknown publish on fewer channels: no booking row, no user.
\o | sed -E 's/"(event_id|created_at)":"[^"]*"/"\1":"<masked>"/g; s/PID [0-9]+/PID <pid>/'
INSERT INTO booking_events (booking_id, event_type) VALUES ('b-unknown', 'booking.note');
\o

-- A 1 MB description: the INSERT succeeds and the notification still goes
-- out, its description shortened (ending in "...") so that the payload
-- stays under 8000 bytes. awk prints the payload's size instead of it.
\o | awk '{ match($0, /payload ".*" received/); size = RLENGTH - 19; gsub(/xxxxxxxxxx+/, "x(...)"); sub(/"event_id":"[^"]*"/, "\"event_id\":\"<masked>\""); sub(/"created_at":"[^"]*"/, "\"created_at\":\"<masked>\""); sub(/PID [0-9]+/, "PID <pid>"); print (size < 8000 ? "payload under 8000 bytes: " : "payload too long: ") $0 }'
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES ('b-1', 'booking.huge', repeat('x', 1000000), 'u-1');
\o
SELECT length(description) AS stored_description FROM booking_events WHERE event_type = 'booking.huge';

-- A 70-character booking id makes a channel name over 63 bytes: that
-- channel is skipped without an error; the others still get the event.
\o | sed -E 's/"(event_id|created_at)":"[^"]*"/"\1":"<masked>"/g; s/PID [0-9]+/PID <pid>/'
INSERT INTO booking_events (booking_id, event_type, user_id)
VALUES (repeat('L', 70), 'booking.long_id', 'u-1');
\o

-- booking_events.notify = off publishes nothing (the event is still queued
-- for the webhook); back on, it publishes again.
\o | sed -E 's/"(event_id|created_at)":"[^"]*"/"\1":"<masked>"/g; s/PID [0-9]+/PID <pid>/'
SET booking_events.notify = off;
INSERT INTO booking_events (booking_id, event_type) VALUES ('b-1', 'silent');
RESET booking_events.notify;
INSERT INTO booking_events (booking_id, event_type) VALUES ('b-1', 'heard');
\o
SELECT id, event_type FROM webhook_outbox ORDER BY id;

-- booking_events_replay() returns what the notifications carried, oldest
-- first: what booking-events-listen prints after a reconnect.
SELECT id, notification - 'event_id' - 'created_at' - 'description' AS notification,
       left(notification->>'description', 20) AS description
FROM booking_events_replay(0, booking_ids => ARRAY['b-1'])
ORDER BY id;
SELECT count(*) AS for_user_u1 FROM booking_events_replay(0, user_ids => ARRAY['u-1']);
SELECT id FROM booking_events_replay(3, max_rows => 2);

UNLISTEN *;
DROP TABLE booking_events;
DROP TABLE bookings;
DROP EXTENSION booking_events;
