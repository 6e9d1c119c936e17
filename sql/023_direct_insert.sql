-- The outbox and delivery rows are written without the SPI executor, with
-- what an INSERT does kept across rows and transactions (issue #12). A DBA's
-- change to either table between two events of one session, even inside one
-- transaction, is honoured at the next event: a new column gets its default,
-- a new index holds the row, a new CHECK or unique index rejects it. A table
-- with a trigger or a rule of the DBA's gets the INSERT statements instead,
-- so those still run.
CREATE DATABASE booking_events_direct_insert;
\c booking_events_direct_insert
CREATE SCHEMA hooks;
CREATE EXTENSION booking_events SCHEMA hooks;
\i test/sql/error_of.sql
CREATE SCHEMA app;
CREATE TABLE app.notes (id int PRIMARY KEY, booking_id text, event_type text);
CREATE TRIGGER notes_webhook AFTER INSERT ON app.notes
    FOR EACH ROW EXECUTE FUNCTION hooks.trigger_booking_event_webhook();

-- Every default as INSERT gives it: identity, now(), the origin.
BEGIN;
INSERT INTO app.notes VALUES (1, 'b-1', 'note.first');
SELECT id, event_type, booking_id, status, attempts, manual_retries, attempts_before_retry,
       created_at = now() AS created_now, next_attempt_at = now() AS due_now,
       origin = hooks.booking_events_database_identity() AS local_origin,
       delivered_at IS NULL AS undelivered, last_error IS NULL AS no_error
FROM hooks.webhook_outbox ORDER BY id;
SELECT outbox_id, endpoint, booking_id, status, attempts, next_attempt_at = now() AS due_now
FROM hooks.webhook_deliveries ORDER BY outbox_id;
COMMIT;

-- In one transaction, after an event was written: a new column with a
-- default, a new index, a new CHECK, a new unique index on each table.
BEGIN;
INSERT INTO app.notes VALUES (2, 'b-2', 'note.before');
ALTER TABLE hooks.webhook_outbox ADD COLUMN dba_note text NOT NULL DEFAULT 'noted';
ALTER TABLE hooks.webhook_deliveries ADD COLUMN dba_note text DEFAULT 'noted too';
CREATE INDEX dba_outbox_type_idx ON hooks.webhook_outbox (event_type);
CREATE INDEX dba_deliveries_booking_idx ON hooks.webhook_deliveries (booking_id);
INSERT INTO app.notes VALUES (3, 'b-3', 'note.after');
SELECT id, event_type, dba_note FROM hooks.webhook_outbox ORDER BY id;
SELECT outbox_id, dba_note FROM hooks.webhook_deliveries ORDER BY outbox_id;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hooks.webhook_outbox WHERE event_type = 'note.after';
SELECT id FROM hooks.webhook_outbox WHERE event_type = 'note.after';
EXPLAIN (COSTS OFF) SELECT outbox_id FROM hooks.webhook_deliveries WHERE booking_id = 'b-3';
SELECT outbox_id FROM hooks.webhook_deliveries WHERE booking_id = 'b-3';
ALTER TABLE hooks.webhook_outbox ADD CONSTRAINT dba_no_rejects
    CHECK (booking_id IS DISTINCT FROM 'reject');
SELECT error_of($$INSERT INTO app.notes VALUES (4, 'reject', 'note.rejected')$$);
ALTER TABLE hooks.webhook_deliveries ADD CONSTRAINT dba_no_rejects
    CHECK (booking_id IS DISTINCT FROM 'refuse');
SELECT error_of($$INSERT INTO app.notes VALUES (5, 'refuse', 'note.refused')$$);
CREATE UNIQUE INDEX dba_one_per_booking ON hooks.webhook_outbox (booking_id)
    WHERE booking_id = 'once';
INSERT INTO app.notes VALUES (6, 'once', 'note.once');
SELECT error_of($$INSERT INTO app.notes VALUES (7, 'once', 'note.twice')$$);
COMMIT;
SELECT id, event_type, booking_id FROM hooks.webhook_outbox ORDER BY id;
SELECT outbox_id, booking_id FROM hooks.webhook_deliveries ORDER BY outbox_id;

-- The same, across transactions: a column dropped, a NOT NULL column
-- without a default, which the next event must fail on.
ALTER TABLE hooks.webhook_outbox DROP COLUMN dba_note;
INSERT INTO app.notes VALUES (8, 'b-8', 'note.dropped');
ALTER TABLE hooks.webhook_outbox ADD COLUMN dba_required text;
UPDATE hooks.webhook_outbox SET dba_required = 'old';
ALTER TABLE hooks.webhook_outbox ALTER COLUMN dba_required SET NOT NULL;
SELECT error_of($$INSERT INTO app.notes VALUES (9, 'b-9', 'note.required')$$);
ALTER TABLE hooks.webhook_outbox DROP COLUMN dba_required;
INSERT INTO app.notes VALUES (10, 'b-10', 'note.again');
SELECT id, event_type FROM hooks.webhook_outbox WHERE id >= 7 ORDER BY id;

-- A failed event in a subtransaction leaves nothing behind, and the next
-- one is written.
BEGIN;
SAVEPOINT attempt;
INSERT INTO app.notes VALUES (11, 'once', 'note.duplicate');
ROLLBACK TO SAVEPOINT attempt;
INSERT INTO app.notes VALUES (12, 'b-12', 'note.after_rollback');
COMMIT;
SELECT o.event_type, count(d.outbox_id) AS deliveries
FROM hooks.webhook_outbox o LEFT JOIN hooks.webhook_deliveries d ON d.outbox_id = o.id
WHERE o.id >= 10 GROUP BY o.id, o.event_type ORDER BY o.id;

-- A read-only transaction cannot write an event, as INSERT could not; the
-- manual trigger reads the row and sees its event afterwards.
BEGIN READ ONLY;
SELECT error_of($$SELECT hooks.manually_trigger_webhook('app.notes', '12')$$);
ROLLBACK;
BEGIN;
SELECT hooks.manually_trigger_webhook('app.notes', '12') IS NOT NULL AS queued;
SELECT count(*) AS manual_events FROM hooks.webhook_outbox
WHERE (payload->'booking_event'->>'manual')::boolean;
COMMIT;

-- A DBA's audit trigger on the outbox and a rule on the deliveries: the
-- rows go through INSERT statements, which run them.
CREATE TABLE app.audit (what text, event_type text);
CREATE FUNCTION app.audit_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO app.audit VALUES ('outbox trigger', NEW.event_type);
    RETURN NEW;
END $$;
CREATE TRIGGER dba_audit AFTER INSERT ON hooks.webhook_outbox
    FOR EACH ROW EXECUTE FUNCTION app.audit_outbox();
CREATE RULE dba_audit AS ON INSERT TO hooks.webhook_deliveries
    DO ALSO INSERT INTO app.audit VALUES ('deliveries rule', NEW.endpoint);
INSERT INTO app.notes VALUES (13, 'b-13', 'note.audited');
BEGIN;
INSERT INTO app.notes VALUES (14, 'b-14', 'note.audited_in_transaction');
COMMIT;
SELECT * FROM app.audit ORDER BY what, event_type;
-- Gone again: the direct path resumes and the audit stops.
DROP TRIGGER dba_audit ON hooks.webhook_outbox;
DROP RULE dba_audit ON hooks.webhook_deliveries;
INSERT INTO app.notes VALUES (15, 'b-15', 'note.unaudited');
SELECT count(*) AS audited FROM app.audit;
SELECT o.event_type, count(d.outbox_id) AS deliveries
FROM hooks.webhook_outbox o LEFT JOIN hooks.webhook_deliveries d ON d.outbox_id = o.id
WHERE o.event_type LIKE 'note.%audited%' GROUP BY o.id, o.event_type ORDER BY o.id;
\c contrib_regression
DROP DATABASE booking_events_direct_insert;
