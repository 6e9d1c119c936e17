-- Real-time notifications: published on commit only, on the all-events
-- channel and one channel per known id. Any role may LISTEN, so the payload
-- is a hint (outbox id and event type); the fuller payload is a
-- superuser's opt-in and stays under NOTIFY's 8000-byte limit. The events
-- themselves come from booking_events_replay(), which returns to each role
-- the events of the bookings it can SELECT, row-level security included.
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
-- query that ran inside the transaction. The payload names the outbox id
-- and the event type, nothing about the booking.
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

-- booking_events.notify_full_payload: every field, for deployments where
-- every connected role may see them. Only a superuser may turn it on.
SET booking_events.notify_full_payload = on;
\o | sed -E 's/"(event_id|created_at)":"[^"]*"/"\1":"<masked>"/g; s/PID [0-9]+/PID <pid>/'
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES ('b-1', 'booking.full', 'Confirmed "now" \ ok', 'u-1');
\o

-- A 1 MB description with the full payload: the INSERT succeeds and the
-- notification still goes out, its description shortened (ending in "...") so that the payload
-- stays under 8000 bytes. awk prints the payload's size instead of it.
\o | awk '{ match($0, /payload ".*" received/); size = RLENGTH - 19; gsub(/xxxxxxxxxx+/, "x(...)"); sub(/"event_id":"[^"]*"/, "\"event_id\":\"<masked>\""); sub(/"created_at":"[^"]*"/, "\"created_at\":\"<masked>\""); sub(/PID [0-9]+/, "PID <pid>"); print (size < 8000 ? "payload under 8000 bytes: " : "payload too long: ") $0 }'
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES ('b-1', 'booking.huge', repeat('x', 1000000), 'u-1');
\o
RESET booking_events.notify_full_payload;
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

-- booking_events_replay() returns the events, oldest first: what
-- booking-events-listen prints. A superuser reads the outbox, so it sees
-- every event, also those without a booking.
SELECT id, notification - 'event_id' - 'created_at' - 'description' AS notification,
       left(notification->>'description', 20) AS description
FROM booking_events_replay(0, booking_ids => ARRAY['b-1'])
ORDER BY id;
SELECT count(*) AS for_user_u1 FROM booking_events_replay(0, user_ids => ARRAY['u-1']);
SELECT id FROM booking_events_replay(3, max_rows => 2);
SELECT booking_events_replay(NULL);
SELECT booking_events_replay(0, max_rows => -1);
SELECT booking_events_replay(0, max_rows => NULL);

UNLISTEN *;

-- Replay visibility. Two client roles, an RLS policy that shows each its
-- own bookings, one booking each plus one of nobody's; an event without a
-- booking; a role without SELECT on bookings; a role that reads the outbox.
CREATE ROLE regress_client_1;
CREATE ROLE regress_client_2;
CREATE ROLE regress_no_bookings;
CREATE ROLE regress_outbox_reader;
GRANT EXECUTE ON FUNCTION booking_events_replay(bigint, text[], text[], text[], text[], int)
    TO regress_client_1, regress_client_2, regress_no_bookings, regress_outbox_reader;
GRANT SELECT ON bookings TO regress_client_1, regress_client_2;
GRANT SELECT ON webhook_outbox TO regress_outbox_reader;
ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_bookings ON bookings FOR SELECT USING (client_id = current_user);
INSERT INTO bookings VALUES ('b-c1', 'regress_client_1', 'p-1', 'pending'),
                            ('b-c2', 'regress_client_2', 'p-1', 'pending');
SELECT max(id) AS before_visibility FROM webhook_outbox \gset
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('b-c1', 'c1.first', 'of client 1'), ('b-c2', 'c2.first', 'of client 2'),
       ('b-1', 'b1.other', 'of nobody'), (NULL, 'no.booking', 'of no booking'),
       ('b-c1', 'c1.second', 'of client 1 again');

-- Only a superuser may show every connected role the full payloads.
SET ROLE regress_client_1;
SET booking_events.notify_full_payload = on;
RESET ROLE;

-- Each client sees its own booking's events, with their fields; none of the
-- other client's, none of the booking-less one.
SET ROLE regress_client_1;
SELECT notification->>'event_type' AS event_type, notification->>'booking_id' AS booking_id,
       notification->>'client_id' AS client_id, notification->>'description' AS description
FROM booking_events_replay(:before_visibility) ORDER BY id;
-- Filters narrow what is visible; they never widen it.
SELECT notification->>'event_type' AS event_type
FROM booking_events_replay(0, booking_ids => ARRAY['b-c2', 'b-1']);
SELECT notification->>'event_type' AS event_type
FROM booking_events_replay(0, client_ids => ARRAY['regress_client_1', 'regress_client_2']);
-- LIMIT is honoured.
SELECT count(*) AS at_most_one FROM booking_events_replay(0, max_rows => 1);
-- A temporary table named like the bookings table changes nothing: the
-- replay never counts a temporary table (or a view) as the bookings table.
CREATE TEMP TABLE bookings (id text);
INSERT INTO bookings SELECT 'b-' || x FROM unnest(ARRAY['1', 'c2', 'unknown']) AS x;
SELECT count(*) AS of_others
FROM booking_events_replay(0)
WHERE notification->>'booking_id' IS DISTINCT FROM 'b-c1';
DROP TABLE pg_temp.bookings;
-- Nor does a search_path that puts pg_temp first, or row_security off.
SET search_path = pg_temp, public;
SET row_security = off;
SELECT notification->>'event_type' AS event_type
FROM public.booking_events_replay(:before_visibility) ORDER BY id;
RESET search_path;
RESET row_security;
SET ROLE regress_client_2;
SELECT notification->>'event_type' AS event_type FROM booking_events_replay(0) ORDER BY id;
-- A role that may not read the bookings table is told so.
SET ROLE regress_no_bookings;
SELECT count(*) FROM booking_events_replay(0);
-- A role that reads the outbox sees every event, also the booking-less one.
SET ROLE regress_outbox_reader;
SELECT notification->>'event_type' AS event_type
FROM booking_events_replay(:before_visibility) ORDER BY id;
RESET ROLE;

-- A client with more bookings than the replay lists at once (10000): its
-- events are checked page by page, with the same answer.
INSERT INTO bookings SELECT 'many-' || n, 'regress_client_2', 'p-1', 'pending'
FROM generate_series(1, 10001) AS n;
INSERT INTO booking_events (booking_id, event_type)
SELECT CASE WHEN n % 2 = 0 THEN 'many-' || n ELSE 'b-c1' END, 'page.' || n
FROM generate_series(1, 2500) AS n;
SET ROLE regress_client_2;
SELECT count(*) AS own_events, min(notification->>'event_type') AS first_type,
       count(*) FILTER (WHERE notification->>'booking_id' NOT LIKE 'many-%'
                          AND notification->>'booking_id' <> 'b-c2') AS of_others
FROM booking_events_replay(0, max_rows => 100000);
SELECT count(*) AS limited FROM booking_events_replay(0, max_rows => 1001);
RESET ROLE;

-- The 1.0.0 function returned every event to any role allowed to call it:
-- the update replaces it, keeping its grants.
DROP TRIGGER booking_events_webhook_trigger ON booking_events;
DROP EXTENSION booking_events;
CREATE EXTENSION booking_events VERSION '1.0.0';
CREATE TRIGGER booking_events_webhook_trigger
    AFTER INSERT ON booking_events FOR EACH ROW
    EXECUTE FUNCTION trigger_booking_event_webhook();
GRANT EXECUTE ON FUNCTION booking_events_replay(bigint, text[], text[], text[], text[], int)
    TO regress_client_1;
INSERT INTO booking_events (booking_id, event_type) VALUES ('b-c1', 'v1.own'), ('b-c2', 'v1.other');
SET ROLE regress_client_1;
SELECT notification->>'event_type' AS event_type FROM booking_events_replay(0) ORDER BY id;
RESET ROLE;
ALTER EXTENSION booking_events UPDATE TO '1.1.0';
SET ROLE regress_client_1;
SELECT notification->>'event_type' AS event_type FROM booking_events_replay(0) ORDER BY id;
RESET ROLE;

DROP TABLE booking_events;
DROP TABLE bookings;
DROP EXTENSION booking_events;
DROP ROLE regress_client_1, regress_client_2, regress_no_bookings, regress_outbox_reader;
