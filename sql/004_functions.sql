-- retry_failed_webhooks, cleanup_webhook_logs, manually_trigger_webhook.
CREATE EXTENSION booking_events;
CREATE TABLE bookings (id uuid PRIMARY KEY, booking_number text, client_id uuid, provider_id uuid, status text);
CREATE TABLE booking_events (id bigserial PRIMARY KEY, booking_id uuid, event_type text, description text);
CREATE TABLE pairs (a int, b int, note text, PRIMARY KEY (a, b));
CREATE TABLE no_key (id int, note text);
INSERT INTO bookings VALUES ('33333333-3333-3333-3333-333333333333', 'BK-1', NULL, NULL, 'pending');
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.paid', 'Paid in full');
INSERT INTO pairs VALUES (1, 2, 'x');

-- manually_trigger_webhook: the row as it is now, as an insert, marked manual.
SELECT manually_trigger_webhook('bookings', '33333333-3333-3333-3333-333333333333') IS NOT NULL AS queued;
SELECT manually_trigger_webhook('booking_events', '1') IS NOT NULL AS queued;
SELECT event_type, booking_id, payload->'booking_event'->>'manual' AS manual,
       payload->'booking_event'->>'operation' AS operation,
       payload->'booking_details'->>'booking_number' AS booking_number
FROM webhook_outbox ORDER BY id;
-- The returned id is the event's.
SELECT manually_trigger_webhook('public.bookings', '33333333-3333-3333-3333-333333333333') AS returned_id \gset
SELECT event_id = :'returned_id' AS returns_event_id FROM webhook_outbox ORDER BY id DESC LIMIT 1;

-- Clear errors with their SQLSTATE, and nothing enqueued by any of them.
\i test/sql/error_of.sql
SELECT count(*) AS before_errors FROM webhook_outbox \gset
SELECT call, error_of(call) FROM (VALUES
    ($$SELECT manually_trigger_webhook('no_such_table', '1')$$),
    ($$SELECT manually_trigger_webhook('no_schema.bookings', '1')$$),
    ($$SELECT manually_trigger_webhook('pairs', '1')$$),
    ($$SELECT manually_trigger_webhook('no_key', '1')$$),
    ($$SELECT manually_trigger_webhook('bookings', '00000000-0000-0000-0000-000000000000')$$),
    ($$SELECT manually_trigger_webhook('bookings', 'not-a-uuid')$$),
    ($$SELECT manually_trigger_webhook(NULL, '1')$$),
    ($$SELECT manually_trigger_webhook('bookings', NULL)$$),
    ($$SELECT manually_trigger_webhook('', '1')$$),
    ($$SELECT manually_trigger_webhook('bookings; DROP TABLE bookings', '1')$$),
    ($$SELECT manually_trigger_webhook('"bookings"', '1'' OR ''1''=''1')$$),
    ($$SELECT manually_trigger_webhook('booking_events', '1; DELETE FROM booking_events')$$),
    ($$SELECT manually_trigger_webhook('pg_class_oid_index', '1')$$),
    ($$SELECT manually_trigger_webhook('webhook_stats', '1')$$)) AS calls(call);
SELECT count(*) = :before_errors AS nothing_enqueued, (SELECT count(*) FROM bookings) AS bookings_intact,
       (SELECT count(*) FROM booking_events) AS booking_events_intact
FROM webhook_outbox;

-- retry_failed_webhooks: failed events go back to pending with a fresh budget,
-- at most max_retries times each. (Failing an event fails its deliveries,
-- as the worker does; events that have none go to `default`.)
UPDATE webhook_outbox SET status = 'failed', attempts = 8, last_error = 'HTTP 400 (not retried)';
UPDATE webhook_deliveries SET status = 'failed', attempts = 8, last_error = 'HTTP 400 (not retried)';
SELECT retry_failed_webhooks() AS requeued;
SELECT DISTINCT status, attempts, manual_retries, attempts_before_retry, next_attempt_at <= now() AS due
FROM webhook_outbox;
UPDATE webhook_outbox SET status = 'failed';
UPDATE webhook_deliveries SET status = 'failed';
SELECT retry_failed_webhooks(2) AS second_round;
UPDATE webhook_outbox SET status = 'failed';
UPDATE webhook_deliveries SET status = 'failed';
SELECT retry_failed_webhooks(2) AS over_the_limit;
SELECT retry_failed_webhooks(3) AS higher_limit;
SELECT retry_failed_webhooks(0) AS zero;
SELECT error_of('SELECT retry_failed_webhooks(-1)');
SELECT error_of('SELECT retry_failed_webhooks(NULL)');
-- Pending and delivered events are never touched.
UPDATE webhook_outbox SET status = 'delivered', delivered_at = now();
SELECT retry_failed_webhooks(100) AS nothing_failed;

-- cleanup_webhook_logs: old log rows and old delivered events go; pending
-- and failed events stay whatever their age.
INSERT INTO webhook_logs (event_id, event_type, attempt, status, http_status, created_at)
SELECT gen_random_uuid(), 'old', 1, 'success', 200, now() - interval '40 days' FROM generate_series(1, 3);
INSERT INTO webhook_logs (event_id, event_type, attempt, status, http_status, created_at)
SELECT gen_random_uuid(), 'recent', 1, 'failed', 503, now() - interval '1 day' FROM generate_series(1, 2);
UPDATE webhook_outbox SET delivered_at = now() - interval '40 days'
WHERE id = (SELECT min(id) FROM webhook_outbox);
UPDATE webhook_outbox SET status = 'pending', created_at = now() - interval '90 days'
WHERE id = (SELECT max(id) FROM webhook_outbox);
UPDATE webhook_outbox SET status = 'failed', created_at = now() - interval '90 days'
WHERE id = (SELECT min(id) + 1 FROM webhook_outbox);
SELECT status, count(*) FROM webhook_outbox GROUP BY status ORDER BY status;
SELECT cleanup_webhook_logs() AS deleted_logs;
SELECT event_type, count(*) FROM webhook_logs GROUP BY event_type ORDER BY 1;
SELECT status, count(*) FROM webhook_outbox GROUP BY status ORDER BY status;
-- 0 would empty the audit trail while log_retention_days = 0 keeps it
-- forever: refused, with a hint, and nothing deleted.
SELECT count(*) AS logs_before_zero FROM webhook_logs \gset
SELECT cleanup_webhook_logs(0);
SELECT count(*) = :logs_before_zero AS nothing_deleted FROM webhook_logs;
SELECT cleanup_webhook_logs(1) AS deleted_logs;
SELECT error_of('SELECT cleanup_webhook_logs(-1)');
SELECT error_of('SELECT cleanup_webhook_logs(NULL)');

DROP TABLE bookings, booking_events, pairs, no_key;
DROP FUNCTION error_of(text);
DROP EXTENSION booking_events;
