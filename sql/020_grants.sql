-- booking_events_grant(): each purpose's whole job, the way a DBA installs
-- it: the extension in schema hooks, the application in schema booking,
-- one least-privilege role per purpose.
\i test/sql/booking_schemas.sql
\i test/sql/error_of.sql
GRANT EXECUTE ON FUNCTION error_of(text) TO PUBLIC;

CREATE ROLE be_app;
CREATE ROLE be_admin;
CREATE ROLE be_monitor;
CREATE ROLE be_listener;
CREATE ROLE be_migrator;

-- Each purpose: the statements run, and what the DBA still grants.
SELECT * FROM hooks.booking_events_grant('be_app', 'app');
SELECT * FROM hooks.booking_events_grant('be_admin', 'admin');
SELECT * FROM hooks.booking_events_grant('be_monitor', 'monitor');
SELECT * FROM hooks.booking_events_grant('be_listener', 'listener');
-- Idempotent: the same again changes nothing.
SELECT count(*) AS privileges_before FROM pg_class c, aclexplode(c.relacl) a
WHERE c.relnamespace = 'hooks'::regnamespace \gset
SELECT count(*) AS statements FROM hooks.booking_events_grant('be_admin', 'admin');
SELECT count(*) = :privileges_before AS unchanged FROM pg_class c, aclexplode(c.relacl) a
WHERE c.relnamespace = 'hooks'::regnamespace;

-- Bad calls: SQLSTATEs, nothing granted.
SELECT error_of($$SELECT hooks.booking_events_grant('be_app', 'root')$$);
SELECT error_of($$SELECT hooks.booking_events_grant('be_app', NULL)$$);
SELECT error_of($$SELECT hooks.booking_events_grant(NULL, 'admin')$$);
SELECT error_of($$SELECT hooks.booking_events_grant('no_such_role', 'admin')$$);
SELECT error_of($$SELECT hooks.booking_events_revoke('be_app', 'everything')$$);
-- Only a superuser or the extension's owner hands out privileges: not the
-- admin role, whatever it was granted.
SET ROLE be_admin;
SELECT error_of($$SELECT hooks.booking_events_grant('be_admin', 'listener')$$);
RESET ROLE;
SELECT has_function_privilege('be_admin', 'hooks.booking_events_replay(bigint, text[], text[], text[], text[], int)', 'EXECUTE')
    AS admin_got_listener;

-- app: only its own tables, granted by the DBA. UPDATE ... WHERE id = ...
-- reads id, hence SELECT (id).
GRANT USAGE ON SCHEMA booking TO be_app;
GRANT INSERT ON booking.booking_events TO be_app;
GRANT USAGE ON SEQUENCE booking.booking_events_id_seq TO be_app;
GRANT UPDATE (status), SELECT (id) ON booking.bookings TO be_app;
SET ROLE be_app;
INSERT INTO booking.booking_events (booking_id, event_type, description)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.paid', 'by the app role');
UPDATE booking.bookings SET status = 'confirmed' WHERE id = '33333333-3333-3333-3333-333333333333';
SELECT error_of('SELECT count(*) FROM hooks.webhook_outbox');
SELECT error_of('SELECT hooks.webhook_health()');
RESET ROLE;
SELECT event_type, booking_id FROM hooks.webhook_outbox ORDER BY id;

-- monitor: health, statistics, the audit trail, the listeners; never the
-- payloads, never a repair.
SET ROLE be_monitor;
SELECT hooks.webhook_health()->>'pending' AS pending;
SELECT pending, delivered, failed FROM hooks.webhook_stats;
SELECT event_type, pending FROM hooks.webhook_stats_by_event_type;
SELECT count(*) AS log_rows FROM hooks.webhook_logs;
SELECT count(*) >= 0 AS listeners_readable FROM hooks.booking_events_listeners;
SELECT is_valid IS NOT NULL AS validated FROM hooks.validate_webhook_config();
SELECT error_of('SELECT count(*) FROM hooks.webhook_outbox');
SELECT error_of('SELECT hooks.retry_failed_webhooks()');
SELECT error_of('SELECT * FROM hooks.test_webhook()');
RESET ROLE;

-- admin: repairs; manually_trigger_webhook reads the application's table
-- as the admin, so the DBA grants that too.
UPDATE hooks.webhook_outbox SET status = 'failed' WHERE event_type = 'booking.paid';
UPDATE hooks.webhook_deliveries d SET status = 'failed' FROM hooks.webhook_outbox o
 WHERE o.id = d.outbox_id AND o.event_type = 'booking.paid';
SET ROLE be_admin;
SELECT hooks.retry_failed_webhooks() AS requeued;
SELECT hooks.cleanup_webhook_logs(7) AS cleaned;
SELECT count(*) AS outbox_rows FROM hooks.webhook_outbox;
SELECT hooks.booking_events_adopt(true) AS adopted;
SELECT error_of($$SELECT hooks.manually_trigger_webhook('booking.bookings', '33333333-3333-3333-3333-333333333333')$$);
RESET ROLE;
GRANT USAGE ON SCHEMA booking TO be_admin;
GRANT SELECT ON booking.bookings TO be_admin;
SET ROLE be_admin;
SELECT hooks.manually_trigger_webhook('booking.bookings', '33333333-3333-3333-3333-333333333333') IS NOT NULL
    AS manual_event;
-- No URL in the regression server: the call is allowed, the send is not.
SELECT error_of('SELECT * FROM hooks.test_webhook()');
SELECT error_of('SELECT hooks.booking_events_grant(''be_admin'', ''monitor'')');
RESET ROLE;

-- listener: the replay.
SET ROLE be_listener;
SELECT count(*) >= 0 AS replay_allowed FROM hooks.booking_events_replay(0);
SELECT error_of('SELECT hooks.webhook_health()');
RESET ROLE;

-- attach: a role that owns a table may attach the trigger once granted.
CREATE TABLE booking.rooms (id int PRIMARY KEY, name text);
ALTER TABLE booking.rooms OWNER TO be_migrator;
GRANT USAGE ON SCHEMA booking TO be_migrator;
SET ROLE be_migrator;
SELECT error_of($$CREATE TRIGGER rooms_webhook AFTER INSERT ON booking.rooms FOR EACH ROW
                  EXECUTE FUNCTION hooks.trigger_booking_event_webhook()$$);
RESET ROLE;
SELECT * FROM hooks.booking_events_grant('be_migrator', 'attach');
SET ROLE be_migrator;
CREATE TRIGGER rooms_webhook AFTER INSERT ON booking.rooms FOR EACH ROW
    EXECUTE FUNCTION hooks.trigger_booking_event_webhook();
INSERT INTO booking.rooms VALUES (1, 'Blue');
RESET ROLE;
SELECT event_type FROM hooks.webhook_outbox ORDER BY id DESC LIMIT 1;

-- Revoking: exactly what the purpose gave, minus what another purpose the
-- role holds still needs (USAGE on the schema stays for the listener part).
SELECT * FROM hooks.booking_events_grant('be_listener', 'monitor');
SELECT * FROM hooks.booking_events_revoke('be_listener', 'monitor');
SET ROLE be_listener;
SELECT count(*) >= 0 AS replay_still_allowed FROM hooks.booking_events_replay(0);
SELECT error_of('SELECT hooks.webhook_health()');
RESET ROLE;
-- admin includes monitor's privileges: revoking admin takes them all,
-- USAGE on the schema included.
SELECT * FROM hooks.booking_events_revoke('be_admin', 'admin');
SET ROLE be_admin;
SELECT error_of('SELECT hooks.webhook_health()');
SELECT error_of('SELECT count(*) FROM hooks.webhook_stats');
RESET ROLE;
SELECT has_schema_privilege('be_admin', 'hooks', 'USAGE') AS admin_usage_left;

-- Every object of the extension is either given by some purpose or internal
-- (called by the extension itself). A new object shows up here: decide.
CREATE TEMP VIEW purpose_objects AS
SELECT p.object_name,
       CASE p.object_type WHEN 'FUNCTION' THEN to_regprocedure('hooks.' || p.object_name)::oid
                          ELSE to_regclass('hooks.' || p.object_name)::oid END AS objid
FROM hooks.booking_events_privileges() p WHERE p.object_type <> 'SCHEMA';
SELECT object_name AS granted_but_missing FROM purpose_objects WHERE objid IS NULL;
SELECT pg_describe_object(d.classid, d.objid, 0) AS not_granted_by_any_purpose
FROM pg_depend d
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'booking_events')
  AND d.deptype = 'e'
  AND (d.classid = 'pg_proc'::regclass
       OR (d.classid = 'pg_class'::regclass
           AND (SELECT relkind FROM pg_class WHERE oid = d.objid) IN ('r', 'v', 'p', 'm')))
  AND d.objid NOT IN (SELECT objid FROM purpose_objects WHERE objid IS NOT NULL)
ORDER BY 1;
DROP VIEW purpose_objects;

-- Dropping the extension says what it discarded, once it did: not when the
-- drop fails (the triggers depend on it), but with CASCADE.
DROP EXTENSION booking_events;
DROP EXTENSION booking_events CASCADE;
DROP SCHEMA booking CASCADE;
DROP SCHEMA hooks;
DROP FUNCTION error_of(text);
DROP ROLE booking_app;
DROP ROLE be_app, be_admin, be_monitor, be_listener, be_migrator;
