-- booking_events 1.1.0
\echo Use "CREATE EXTENSION booking_events" to load this file. \quit

-- The outbox: one row per event, written in the transaction that caused it.
-- WAL-logged on purpose: a crash loses nothing that was committed.
CREATE TABLE webhook_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    event_type text NOT NULL,
    booking_id text,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT webhook_outbox_status_check CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    last_http_status int,
    last_error text,
    -- retry_failed_webhooks() bookkeeping: how often an operator sent the
    -- event back, and how many attempts it had then (the fresh budget of
    -- max_attempts counts from there).
    manual_retries int NOT NULL DEFAULT 0,
    attempts_before_retry int NOT NULL DEFAULT 0
);
COMMENT ON TABLE webhook_outbox IS 'booking_events: events waiting for, or done with, webhook delivery';
-- A queue table: every delivered event leaves a dead row version and dead
-- entries at the head of the claim's index. Vacuum it after 2% of the table
-- changed rather than PostgreSQL's default 20%, so claims stay cheap during
-- a large backlog.
ALTER TABLE webhook_outbox SET (autovacuum_vacuum_scale_factor = 0.02,
                                autovacuum_vacuum_threshold = 1000,
                                autovacuum_vacuum_insert_scale_factor = 0.02);

-- The worker's claim: due pending events in order.
CREATE INDEX webhook_outbox_due_idx ON webhook_outbox (next_attempt_at, id)
    WHERE status = 'pending';
-- Per-booking order: is an earlier event of this booking still pending?
-- Keyed on a hash of booking_id (the worker rechecks the value itself): a
-- btree entry over about 2,700 bytes is an error, and a long booking_id must
-- never make the application's INSERT fail.
CREATE INDEX webhook_outbox_booking_pending_idx
    ON webhook_outbox (hashtextextended(booking_id, 0), id)
    WHERE status = 'pending';
-- retry_failed_webhooks() and cleanup without scanning delivered history.
CREATE INDEX webhook_outbox_failed_idx ON webhook_outbox (id) WHERE status = 'failed';
CREATE INDEX webhook_outbox_delivered_at_idx ON webhook_outbox (delivered_at)
    WHERE status = 'delivered';

-- The audit trail: one row per delivery attempt.
CREATE TABLE webhook_logs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    attempt int NOT NULL,
    status text NOT NULL CONSTRAINT webhook_logs_status_check CHECK (status IN ('success', 'failed')),
    http_status int,
    response_time_ms double precision,
    error text,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE webhook_logs IS 'booking_events: one row per webhook delivery attempt';
CREATE INDEX webhook_logs_event_idx ON webhook_logs (event_id, attempt);
CREATE INDEX webhook_logs_created_at_idx ON webhook_logs (created_at);

-- pg_dump keeps the queue and the audit trail.
SELECT pg_catalog.pg_extension_config_dump('webhook_outbox', '');
SELECT pg_catalog.pg_extension_config_dump('webhook_logs', '');
SELECT pg_catalog.pg_extension_config_dump('webhook_outbox_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('webhook_logs_id_seq', '');

-- Statistics a DBA can query at any time. Queue figures are exact and read
-- the partial indexes; attempt figures cover the last 24 hours, read through
-- the created_at index, so the view stays cheap with millions of log rows.
CREATE VIEW webhook_stats AS
SELECT o.pending + o.delivered + o.failed AS total_events,
       o.pending,
       o.delivered,
       o.failed,
       l.total_attempts,
       l.successful_attempts,
       l.failed_attempts,
       round(100.0 * l.successful_attempts / nullif(l.total_attempts, 0), 2) AS success_rate,
       l.avg_response_ms,
       l.p95_response_ms,
       o.oldest_pending_at,
       (SELECT max(created_at) FROM webhook_logs WHERE status = 'success') AS last_success_at,
       (SELECT max(created_at) FROM webhook_logs WHERE status = 'failed') AS last_failure_at
FROM (SELECT (SELECT count(*) FROM webhook_outbox WHERE status = 'pending') AS pending,
             (SELECT count(*) FROM webhook_outbox WHERE status = 'delivered') AS delivered,
             (SELECT count(*) FROM webhook_outbox WHERE status = 'failed') AS failed,
             (SELECT min(created_at) FROM webhook_outbox WHERE status = 'pending') AS oldest_pending_at
     ) AS o,
     (SELECT count(*) AS total_attempts,
             count(*) FILTER (WHERE status = 'success') AS successful_attempts,
             count(*) FILTER (WHERE status = 'failed') AS failed_attempts,
             round(avg(response_time_ms)::numeric, 3)::double precision AS avg_response_ms,
             round((percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms))::numeric,
                   3)::double precision AS p95_response_ms
      FROM webhook_logs
      WHERE created_at >= now() - interval '24 hours') AS l;
COMMENT ON VIEW webhook_stats IS
    'booking_events: queue counts (exact) and delivery attempts of the last 24 hours';

-- The same per event type: which kinds of event fail or wait.
CREATE VIEW webhook_stats_by_event_type AS
SELECT coalesce(o.event_type, l.event_type) AS event_type,
       coalesce(o.pending, 0) AS pending,
       coalesce(o.delivered, 0) AS delivered,
       coalesce(o.failed, 0) AS failed,
       coalesce(l.total_attempts, 0) AS total_attempts,
       coalesce(l.failed_attempts, 0) AS failed_attempts,
       round(100.0 * (l.total_attempts - l.failed_attempts) / nullif(l.total_attempts, 0), 2)
           AS success_rate,
       l.avg_response_ms,
       l.p95_response_ms,
       o.oldest_pending_at
FROM (SELECT event_type,
             count(*) FILTER (WHERE status = 'pending') AS pending,
             count(*) FILTER (WHERE status = 'delivered') AS delivered,
             count(*) FILTER (WHERE status = 'failed') AS failed,
             min(created_at) FILTER (WHERE status = 'pending') AS oldest_pending_at
      FROM webhook_outbox GROUP BY event_type) AS o
FULL JOIN
     (SELECT event_type,
             count(*) AS total_attempts,
             count(*) FILTER (WHERE status = 'failed') AS failed_attempts,
             round(avg(response_time_ms)::numeric, 3)::double precision AS avg_response_ms,
             round((percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms))::numeric,
                   3)::double precision AS p95_response_ms
      FROM webhook_logs
      WHERE created_at >= now() - interval '24 hours'
      GROUP BY event_type) AS l USING (event_type);
COMMENT ON VIEW webhook_stats_by_event_type IS
    'booking_events: webhook_stats per event type';

CREATE FUNCTION trigger_booking_event_webhook() RETURNS trigger
    AS 'MODULE_PATHNAME', 'trigger_booking_event_webhook'
    LANGUAGE C;
COMMENT ON FUNCTION trigger_booking_event_webhook() IS
    'Row trigger: writes an event for the row to webhook_outbox in the same transaction';

-- Wakes the delivery worker when the calling transaction commits.
CREATE FUNCTION booking_events_wake_worker() RETURNS void
    AS 'MODULE_PATHNAME', 'booking_events_wake_worker'
    LANGUAGE C STRICT;

CREATE FUNCTION manually_trigger_webhook(table_name text, record_id text) RETURNS uuid
    AS 'MODULE_PATHNAME', 'manually_trigger_webhook'
    LANGUAGE C;
COMMENT ON FUNCTION manually_trigger_webhook(text, text) IS
    'Enqueues an event for the current row of a table, found by its single-column primary key';

CREATE FUNCTION retry_failed_webhooks(max_retries int DEFAULT 3) RETURNS int
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
    requeued int;
BEGIN
    IF max_retries IS NULL OR max_retries < 0 THEN
        RAISE EXCEPTION 'max_retries must be a non-negative integer, not %', coalesce(max_retries::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE @extschema@.webhook_outbox
       SET status = 'pending',
           manual_retries = manual_retries + 1,
           attempts_before_retry = attempts,
           next_attempt_at = now()
     WHERE status = 'failed'
       AND manual_retries < max_retries;
    GET DIAGNOSTICS requeued = ROW_COUNT;
    IF requeued > 0 THEN
        PERFORM @extschema@.booking_events_wake_worker();
    END IF;
    RETURN requeued;
END;
$$;
COMMENT ON FUNCTION retry_failed_webhooks(int) IS
    'Puts failed events that were manually retried fewer than max_retries times back to pending';

CREATE FUNCTION cleanup_webhook_logs(retention_days int DEFAULT 30) RETURNS int
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
    cutoff timestamptz;
    deleted int;
BEGIN
    IF retention_days IS NULL OR retention_days < 0 THEN
        RAISE EXCEPTION 'retention_days must be a non-negative integer, not %', coalesce(retention_days::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    cutoff := now() - make_interval(days => retention_days);
    DELETE FROM @extschema@.webhook_logs WHERE created_at < cutoff;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    -- Only delivered events: pending and failed ones are work still owed.
    DELETE FROM @extschema@.webhook_outbox WHERE status = 'delivered' AND delivered_at < cutoff;
    RETURN deleted;
END;
$$;
COMMENT ON FUNCTION cleanup_webhook_logs(int) IS
    'Deletes webhook_logs rows and delivered events older than retention_days; returns log rows deleted';

CREATE FUNCTION booking_events_worker_status() RETURNS jsonb
    AS 'MODULE_PATHNAME', 'booking_events_worker_status'
    LANGUAGE C STABLE;

CREATE FUNCTION webhook_health() RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
    health jsonb := @extschema@.booking_events_worker_status();
BEGIN
    -- Each count reads one partial index, so this stays cheap with millions
    -- of delivered events.
    health := health || jsonb_build_object(
        'pending', (SELECT count(*) FROM @extschema@.webhook_outbox WHERE status = 'pending'),
        'failed', (SELECT count(*) FROM @extschema@.webhook_outbox WHERE status = 'failed'),
        'oldest_pending_at', (SELECT min(created_at) FROM @extschema@.webhook_outbox WHERE status = 'pending'),
        'oldest_pending_age_seconds', (SELECT round(extract(epoch FROM now() - min(created_at))::numeric, 3)
                                       FROM @extschema@.webhook_outbox WHERE status = 'pending'),
        'last_success_at', (SELECT created_at FROM @extschema@.webhook_logs WHERE status = 'success'
                            ORDER BY created_at DESC LIMIT 1),
        'last_error', (SELECT jsonb_build_object('at', created_at, 'event_id', event_id,
                                                 'event_type', event_type, 'http_status', http_status,
                                                 'error', error)
                       FROM @extschema@.webhook_logs WHERE status = 'failed'
                       ORDER BY created_at DESC LIMIT 1));
    RETURN health;
END;
$$;
COMMENT ON FUNCTION webhook_health() IS
    'Is delivery working? Worker, configuration (host only), queue and last outcomes';

CREATE FUNCTION validate_webhook_config(OUT is_valid boolean, OUT errors text[], OUT warnings text[])
    AS 'MODULE_PATHNAME', 'validate_webhook_config'
    LANGUAGE C STABLE;
COMMENT ON FUNCTION validate_webhook_config() IS
    'Checks the booking_events settings without sending anything';

CREATE FUNCTION test_webhook(OUT success boolean, OUT status_code int,
                             OUT response_time_ms double precision, OUT error text)
    AS 'MODULE_PATHNAME', 'test_webhook'
    LANGUAGE C SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION test_webhook() IS
    'Sends one webhook.test event now, from this session, and logs it in webhook_logs';

-- Real-time subscriptions: what a listener missed, or what a notification
-- hinted at. Events after `after_id` (an outbox id) matching any of the
-- given ids (all events when every filter is NULL or empty), oldest first,
-- at most max_rows. It runs as its caller, not as the owner: a role that may
-- read webhook_outbox sees every event; any other role sees the events of
-- the bookings it can SELECT in booking_events.bookings_table (row-level
-- security included), and no event without a booking.
CREATE FUNCTION booking_events_replay(after_id bigint,
                                      booking_ids text[] DEFAULT NULL,
                                      user_ids text[] DEFAULT NULL,
                                      client_ids text[] DEFAULT NULL,
                                      provider_ids text[] DEFAULT NULL,
                                      max_rows int DEFAULT 1000)
    RETURNS TABLE (id bigint, notification jsonb)
    AS 'MODULE_PATHNAME', 'booking_events_replay'
    LANGUAGE C STABLE;
COMMENT ON FUNCTION booking_events_replay(bigint, text[], text[], text[], text[], int) IS
    'Events after an outbox id that the calling role may see: the replay of booking-events-listen';

-- Sessions following booking events live. PostgreSQL does not show other
-- sessions' LISTENs, so this counts the clients that say who they are:
-- booking-events-listen does; other clients set application_name to
-- something starting with booking-events-listen.
CREATE VIEW booking_events_listeners AS
SELECT pid, usename, datname, application_name, client_addr, backend_start, state_change
FROM pg_catalog.pg_stat_activity
WHERE application_name LIKE 'booking-events-listen%';

-- Administration is for roles the DBA grants it to, not for everyone.
REVOKE ALL ON webhook_outbox, webhook_logs, webhook_stats, webhook_stats_by_event_type FROM PUBLIC;
-- Only roles the DBA chose may attach the trigger (so events come only from
-- tables the DBA chose); firing an attached trigger needs no grant.
REVOKE ALL ON FUNCTION trigger_booking_event_webhook() FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_wake_worker() FROM PUBLIC;
REVOKE ALL ON FUNCTION manually_trigger_webhook(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION retry_failed_webhooks(int) FROM PUBLIC;
REVOKE ALL ON FUNCTION cleanup_webhook_logs(int) FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_worker_status() FROM PUBLIC;
REVOKE ALL ON FUNCTION webhook_health() FROM PUBLIC;
REVOKE ALL ON FUNCTION validate_webhook_config() FROM PUBLIC;
REVOKE ALL ON FUNCTION test_webhook() FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_replay(bigint, text[], text[], text[], text[], int) FROM PUBLIC;
REVOKE ALL ON booking_events_listeners FROM PUBLIC;

-- A worker already running in this database starts delivering at once
-- instead of at its next periodic look.
SELECT booking_events_wake_worker();
