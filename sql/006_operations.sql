-- webhook_health(), validate_webhook_config(), test_webhook(): their shape
-- and their errors. (Against a real receiver: test/t/.)
CREATE EXTENSION booking_events;
\i test/sql/worker_running.sql
SELECT worker_running_within('webhook_health', 60) AS worker_running;

-- The regression server preloads the library, serves this database and has
-- no webhook URL: the worker runs, delivery is paused.
SELECT is_valid, errors, warnings FROM validate_webhook_config();

SELECT key, jsonb_typeof(value) AS type
FROM jsonb_each(webhook_health()) ORDER BY key;
SELECT h->'worker_loaded' AS loaded, h->'webhook_configured' AS configured,
       h->'webhook_host' AS host, h->'pending' AS pending, h->'failed' AS failed,
       h->'database_name' AS database_name
FROM webhook_health() AS h;
-- One verdict: no URL is a pause, with its reason. (Reasons about single
-- endpoints are left out here and below: `default`'s comes from the worker's
-- state row, which its first look at a new database writes, and a test run
-- first (REGRESS=006_operations) may meet it. 022 tests them.)
CREATE FUNCTION reasons_not_per_endpoint(h jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT coalesce(jsonb_agg(r), '[]') FROM jsonb_array_elements(h->'reasons') AS r
    WHERE r #>> '{}' NOT LIKE 'endpoint %' $$;
SELECT h->'status' AS status, reasons_not_per_endpoint(h) AS reasons, h->'paused' AS paused,
       h->'copied_pending' AS copied_pending
FROM webhook_health() AS h;

-- Queue counts follow the outbox.
CREATE TABLE booking_events (id bigserial PRIMARY KEY, booking_id text, event_type text);
CREATE TRIGGER booking_events_webhook_trigger AFTER INSERT ON booking_events
    FOR EACH ROW EXECUTE FUNCTION trigger_booking_event_webhook();
INSERT INTO booking_events (booking_id, event_type) VALUES ('b1', 'x'), ('b2', 'y'), ('b3', 'z');
UPDATE webhook_outbox SET status = 'failed', last_error = 'HTTP 410 (not retried)' WHERE booking_id = 'b3';
INSERT INTO webhook_logs (event_id, event_type, attempt, status, http_status, error)
SELECT event_id, event_type, 1, 'failed', 410, last_error FROM webhook_outbox WHERE booking_id = 'b3';
SELECT h->'pending' AS pending, h->'failed' AS failed,
       (h->>'oldest_pending_age_seconds')::numeric >= 0 AS has_age,
       h->'last_error'->>'error' AS last_error, h->'last_error'->'http_status' AS last_status
FROM webhook_health() AS h;

-- Statistics: the queue exactly, attempts of the last 24 hours.
INSERT INTO webhook_logs (event_id, event_type, attempt, status, http_status, response_time_ms, created_at)
VALUES (gen_random_uuid(), 'x', 1, 'success', 200, 10, now()),
       (gen_random_uuid(), 'x', 1, 'success', 200, 30, now()),
       (gen_random_uuid(), 'x', 1, 'success', 200, 999, now() - interval '2 days');
SELECT total_events, pending, delivered, failed, total_attempts, successful_attempts,
       failed_attempts, success_rate, avg_response_ms, p95_response_ms,
       oldest_pending_at IS NOT NULL AS has_oldest, last_success_at IS NOT NULL AS has_success,
       last_failure_at IS NOT NULL AS has_failure
FROM webhook_stats;
-- test_webhook() requests stay in the audit trail and out of the statistics.
INSERT INTO webhook_logs (event_id, event_type, attempt, status, http_status, response_time_ms, is_test)
VALUES (gen_random_uuid(), 'webhook.test', 1, 'failed', 500, 5000, true);
SELECT total_events, pending, delivered, failed, total_attempts, successful_attempts,
       failed_attempts, success_rate, avg_response_ms, p95_response_ms,
       oldest_pending_at IS NOT NULL AS has_oldest, last_success_at IS NOT NULL AS has_success,
       last_failure_at IS NOT NULL AS has_failure
FROM webhook_stats;
-- Busiest event types first, in the view's own order.
INSERT INTO booking_events (booking_id, event_type) VALUES ('b4', 'z'), ('b5', 'z');
SELECT event_type, pending, delivered, failed, total_attempts, failed_attempts, success_rate,
       avg_response_ms, p95_response_ms, oldest_pending_at IS NOT NULL AS has_oldest
FROM webhook_stats_by_event_type;
SELECT (h->'last_error'->>'error') AS last_error_not_the_test FROM webhook_health() AS h;
DELETE FROM webhook_logs WHERE is_test;

-- Events written in another database (a restored dump): held, and said so.
INSERT INTO webhook_outbox (event_id, event_type, booking_id, payload, origin)
VALUES (gen_random_uuid(), 'copied', 'c1', '{}', '1/1'),
       (gen_random_uuid(), 'copied', 'c2', '{}', '1/1');
SELECT h->'copied_pending' AS copied_pending, h->'status' AS status,
       reasons_not_per_endpoint(h) AS reasons
FROM webhook_health() AS h;
SELECT booking_events_adopt(NULL);
-- false: failed unsent, with the reason; nothing is deleted.
SELECT booking_events_adopt(false) AS adopted;
SELECT status, last_error, origin = booking_events_database_identity() AS ours
FROM webhook_outbox WHERE event_type = 'copied';
SELECT h->'copied_pending' AS copied_pending FROM webhook_health() AS h;
-- true: the events become this database's and are sent from here.
UPDATE webhook_outbox SET status = 'pending', last_error = NULL, origin = '1/1' WHERE event_type = 'copied';
SELECT booking_events_adopt(true) AS adopted;
SELECT status, origin = booking_events_database_identity() AS ours
FROM webhook_outbox WHERE event_type = 'copied';
SELECT booking_events_adopt(true) AS nothing_left;
DELETE FROM webhook_outbox WHERE event_type = 'copied';

-- Nothing to send to: a clear error, and nothing logged.
SELECT * FROM test_webhook();
SELECT count(*) AS test_rows FROM webhook_logs WHERE event_type = 'webhook.test';

-- None of these is for PUBLIC.
CREATE ROLE booking_outsider;
SET ROLE booking_outsider;
SELECT webhook_health();
SELECT * FROM validate_webhook_config();
SELECT * FROM test_webhook();
SELECT booking_events_adopt(true);
RESET ROLE;
DROP ROLE booking_outsider;

DROP TABLE booking_events;
DROP EXTENSION booking_events;
DROP FUNCTION reasons_not_per_endpoint(jsonb), worker_running_within(regproc, int);
