-- The enrichment lookups read a plain table keyed by id through its primary
-- key, and any other table through a statement run as its owner: the two
-- give the same rows. Every case here would go wrong on a build whose index
-- scan reached a table it must not read directly (row-level security,
-- inheritance children, a partitioned table) or kept relation state across
-- ALTER TABLE.
CREATE EXTENSION booking_events;
\i test/sql/app_tables.sql
-- An owner that is no superuser, so that row-level security applies to it.
CREATE ROLE enrichment_owner;
ALTER TABLE bookings OWNER TO enrichment_owner;
ALTER TABLE profiles OWNER TO enrichment_owner;
CREATE FUNCTION add_event(note text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO booking_events (booking_id, event_type, description)
    VALUES ('33333333-3333-3333-3333-333333333333', 'booking.note', note) $$;
CREATE VIEW last_event AS
    SELECT payload->'booking_event'->>'description' AS note,
           payload->'booking_details'->>'booking_number' AS booking_number,
           payload->'booking_details'->>'room' AS room,
           payload->'client_info'->>'name' AS client
    FROM webhook_outbox ORDER BY id DESC LIMIT 1;

SELECT add_event('plain tables');
SELECT * FROM last_event;

-- An event keeps no index locked once written, as an INSERT statement
-- releases its indexes' locks when it ends: the transaction holds the
-- tables' locks only, so that the relation locks of a one-row transaction
-- fit in the backend's fast-path slots (16) instead of going to the
-- server's shared lock table, where every writer contends for them. (Not
-- the first event of a session: it also reads the catalogs.)
BEGIN;
SELECT add_event('index locks');
SELECT c.relname AS index_still_locked, l.mode
FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND c.relkind = 'i'
  AND c.relnamespace <> 'pg_catalog'::regnamespace
ORDER BY 1, 2;
SELECT count(*) AS relation_locks_beyond_fast_path FROM pg_locks
WHERE pid = pg_backend_pid() AND locktype = 'relation' AND NOT fastpath;
ROLLBACK;

-- Columns added and dropped between two events of one session.
ALTER TABLE bookings ADD COLUMN room text DEFAULT 'blue';
SELECT add_event('column added');
SELECT * FROM last_event;
ALTER TABLE bookings DROP COLUMN room;
SELECT add_event('column dropped');
SELECT payload->'booking_event'->>'description' AS note,
       payload->'booking_details' ? 'room' AS has_room
FROM webhook_outbox ORDER BY id DESC LIMIT 1;

-- The primary key replaced by another index, dropped, and put on another
-- column: the lookups follow (a kept index that no longer exists would be
-- an ERROR here).
ALTER TABLE bookings DROP CONSTRAINT bookings_pkey, ADD PRIMARY KEY (id);
SELECT add_event('new primary key');
SELECT * FROM last_event;
ALTER TABLE bookings DROP CONSTRAINT bookings_pkey;
SELECT add_event('no primary key');
SELECT * FROM last_event;
ALTER TABLE bookings ADD PRIMARY KEY (booking_number);
SELECT add_event('key on another column');
SELECT * FROM last_event;
ALTER TABLE bookings DROP CONSTRAINT bookings_pkey, ADD PRIMARY KEY (id);
-- A key of another type: varchar ids compared with text's equality.
ALTER TABLE profiles ALTER COLUMN id TYPE varchar(36);
SELECT add_event('varchar profile ids');
SELECT * FROM last_event;

-- Row-level security: enabled, the owner is not subject to it and reads
-- the row; forced, the owner's policies hide it (no booking_details, no
-- client_info); disabled again, the row is back.
CREATE POLICY not_bk1 ON bookings FOR SELECT USING (booking_number <> 'BK-1');
CREATE POLICY not_alice ON profiles FOR SELECT USING (full_name <> 'Alice');
ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
SELECT add_event('rls enabled');
SELECT * FROM last_event;
ALTER TABLE bookings FORCE ROW LEVEL SECURITY;
SELECT add_event('rls forced');
SELECT * FROM last_event;
ALTER TABLE bookings NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
ALTER TABLE profiles ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
SELECT add_event('profiles rls forced');
SELECT * FROM last_event;
ALTER TABLE profiles NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;
SELECT add_event('rls disabled');
SELECT * FROM last_event;

-- Inheritance: the row lives in a child table, which the owner's SELECT
-- of the parent reads too.
CREATE TABLE bookings_archive () INHERITS (bookings);
ALTER TABLE bookings_archive OWNER TO enrichment_owner;
INSERT INTO bookings_archive (id, booking_number, client_id)
VALUES ('44444444-4444-4444-4444-444444444444', 'BK-ARCHIVED',
        '11111111-1111-1111-1111-111111111111');
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('44444444-4444-4444-4444-444444444444', 'booking.note', 'row in a child table');
SELECT * FROM last_event;
DROP TABLE bookings_archive;

-- A partitioned bookings table (the same name, resolved again).
ALTER TABLE bookings RENAME TO bookings_plain;
CREATE TABLE bookings (LIKE bookings_plain INCLUDING DEFAULTS, PRIMARY KEY (id))
    PARTITION BY HASH (id);
CREATE TABLE bookings_p0 PARTITION OF bookings FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE bookings_p1 PARTITION OF bookings FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO bookings SELECT * FROM bookings_plain;
UPDATE bookings SET booking_number = 'BK-PARTITIONED';
SELECT add_event('partitioned table');
SELECT * FROM last_event;

-- A rolled back row is not seen; a row of the same transaction is.
BEGIN;
INSERT INTO bookings (id, booking_number) VALUES ('55555555-5555-5555-5555-555555555555', 'BK-NEW');
ALTER TABLE bookings RENAME TO bookings_partitioned;
ALTER TABLE bookings_plain RENAME TO bookings;
INSERT INTO bookings (id, booking_number) VALUES ('55555555-5555-5555-5555-555555555555', 'BK-SAME-TX');
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('55555555-5555-5555-5555-555555555555', 'booking.note', 'row of the same transaction');
SELECT note, booking_number FROM last_event;
ROLLBACK;
ALTER TABLE bookings RENAME TO bookings_partitioned;
ALTER TABLE bookings_plain RENAME TO bookings;
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('55555555-5555-5555-5555-555555555555', 'booking.note', 'rolled back row');
SELECT note, booking_number FROM last_event;

DROP VIEW last_event;
DROP FUNCTION add_event(text);
DROP TABLE profiles, bookings, bookings_partitioned, booking_events;
DROP EXTENSION booking_events;
DROP ROLE enrichment_owner;
