-- ALTER EXTENSION UPDATE from 1.0.0, in a non-public schema: pending and
-- failed events survive, belong to this database (nothing is held as a
-- copy), and the grants, the pause and the verdict work at once.
CREATE SCHEMA hooks;
CREATE EXTENSION booking_events SCHEMA hooks VERSION '1.0.0';
\i test/sql/worker_running.sql
SELECT worker_running_within('hooks.webhook_health', 60) AS worker_running;
INSERT INTO hooks.webhook_outbox (event_id, event_type, booking_id, payload, status)
VALUES (gen_random_uuid(), 'old.pending', 'b1', '{}', 'pending'),
       (gen_random_uuid(), 'old.failed', 'b2', '{}', 'failed');
INSERT INTO hooks.webhook_logs (event_id, event_type, attempt, status, http_status)
VALUES (gen_random_uuid(), 'old.failed', 1, 'failed', 410);
ALTER EXTENSION booking_events UPDATE TO '1.1.0';
SELECT event_type, status, origin = hooks.booking_events_database_identity() AS ours
FROM hooks.webhook_outbox ORDER BY id;
SELECT count(*) AS log_rows, bool_and(NOT is_test) AS none_marked_test FROM hooks.webhook_logs;
SELECT h->'copied_pending' AS copied_pending, h->'status' AS status, h->'paused' AS paused
FROM hooks.webhook_health() AS h;
CREATE ROLE be_upgraded_monitor;
SELECT count(*) AS statements FROM hooks.booking_events_grant('be_upgraded_monitor', 'monitor');
SET ROLE be_upgraded_monitor;
SELECT pending, failed FROM hooks.webhook_stats;
RESET ROLE;
SELECT hooks.cleanup_webhook_logs(0);
-- Dropping the schema drops the extension too, and says what went with it.
DROP SCHEMA hooks CASCADE;
DROP ROLE be_upgraded_monitor;
DROP FUNCTION worker_running_within(regproc, int);
