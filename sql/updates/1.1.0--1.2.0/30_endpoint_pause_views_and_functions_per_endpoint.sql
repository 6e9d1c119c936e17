CREATE FUNCTION webhook_endpoint_pause(name text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$ SELECT @extschema@.booking_events_set_endpoint_paused($1, true, 'webhook_endpoint_pause') $$;
COMMENT ON FUNCTION webhook_endpoint_pause(text) IS
    'Stops sending to an endpoint; its events wait';

CREATE FUNCTION webhook_endpoint_resume(name text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$ SELECT @extschema@.booking_events_set_endpoint_paused($1, false, 'webhook_endpoint_resume') $$;
COMMENT ON FUNCTION webhook_endpoint_resume(text) IS
    'Starts sending to a paused endpoint again';

-- Secrets never appear: the URL shows only its origin. A Retry-After pause
-- that has run out reads active without waiting for the worker's write.
CREATE VIEW webhook_endpoints_status AS
SELECT e.name,
       booking_events_endpoint_origin(e.url) AS url_origin,
       e.event_types,
       CASE WHEN e.paused THEN 'paused'
            WHEN s.state = 'paused' AND s.paused_until <= now() THEN 'active'
            ELSE coalesce(s.state, 'active') END AS state,
       CASE WHEN e.paused THEN e.paused_at
            ELSE coalesce(s.state_since, e.created_at) END AS state_since,
       (SELECT count(*) FROM webhook_deliveries d
         WHERE d.endpoint = e.name AND d.status = 'pending') AS pending,
       coalesce(s.consecutive_failures, 0) AS consecutive_failures,
       s.last_success_at,
       s.last_failure_at,
       s.last_error
FROM webhook_endpoints e
LEFT JOIN webhook_endpoint_state s ON s.name = e.name;
COMMENT ON VIEW webhook_endpoints_status IS
    'booking_events: each endpoint''s state (active, paused, open, half_open), queue and last outcomes; never a secret';

-- Per endpoint, removed ones included while their deliveries or attempts
-- remain: deliveries by status, the last 24 hours of attempts.
CREATE VIEW webhook_stats_by_endpoint AS
SELECT merged.endpoint,
       coalesce(d.pending, 0) AS pending,
       coalesce(d.delivered, 0) AS delivered,
       coalesce(d.failed, 0) AS failed,
       coalesce(l.total_attempts, 0) AS total_attempts,
       coalesce(l.failed_attempts, 0) AS failed_attempts,
       round(100.0 * (l.total_attempts - l.failed_attempts) / nullif(l.total_attempts, 0), 2)
           AS success_rate,
       l.avg_response_ms,
       l.p95_response_ms,
       -- Outbox ids grow with created_at: the oldest pending delivery is
       -- the first entry of the claim index.
       (SELECT o.created_at FROM webhook_outbox o
         WHERE o.id = (SELECT min(p.outbox_id) FROM webhook_deliveries p
                        WHERE p.endpoint = merged.endpoint AND p.status = 'pending'))
           AS oldest_pending_at
FROM (SELECT name AS endpoint FROM webhook_endpoints) AS e
FULL JOIN
     (SELECT endpoint,
             count(*) FILTER (WHERE status = 'pending') AS pending,
             count(*) FILTER (WHERE status = 'delivered') AS delivered,
             count(*) FILTER (WHERE status = 'failed') AS failed
      FROM webhook_deliveries GROUP BY endpoint) AS d USING (endpoint)
FULL JOIN
     (SELECT endpoint,
             count(*) AS total_attempts,
             count(*) FILTER (WHERE status = 'failed') AS failed_attempts,
             round(avg(response_time_ms)::numeric, 3)::double precision AS avg_response_ms,
             round((percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms))::numeric,
                   3)::double precision AS p95_response_ms
      FROM webhook_logs
      WHERE created_at >= now() - interval '24 hours' AND NOT is_test
      GROUP BY endpoint) AS l USING (endpoint) AS merged
ORDER BY endpoint;
COMMENT ON VIEW webhook_stats_by_endpoint IS
    'booking_events: webhook_stats per endpoint (deliveries by status, attempts of the last 24 hours)';

-- A new signature replaces an old function (an overload beside it would make
-- calls without arguments ambiguous); the EXECUTE grants a DBA gave on the
-- old one carry over. Used while this script runs, then dropped.
CREATE FUNCTION booking_events_carry_execute_grants(old_function regprocedure,
                                                    new_function regprocedure) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    grant_row record;
BEGIN
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', new_function);
    FOR grant_row IN
        SELECT a.grantee, a.is_grantable
          FROM pg_proc p, aclexplode(p.proacl) a
         WHERE p.oid = old_function AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s%s', new_function,
                       CASE WHEN grant_row.grantee = 0 THEN 'PUBLIC'
                            ELSE quote_ident(pg_get_userbyid(grant_row.grantee)) END,
                       CASE WHEN grant_row.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
    EXECUTE format('DROP FUNCTION %s', old_function);
END;
$$;

-- Per delivery: each endpoint's failed delivery has its own manual retry
-- budget. Deliveries of a removed endpoint stay failed (nowhere to go).
ALTER FUNCTION retry_failed_webhooks(int) RENAME TO booking_events_retry_failed_webhooks_1_1;
CREATE FUNCTION retry_failed_webhooks(max_retries int DEFAULT 3, endpoint text DEFAULT NULL)
    RETURNS int
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    only_endpoint text := $2;
    requeued_ids bigint[];
BEGIN
    IF max_retries IS NULL OR max_retries < 0 THEN
        RAISE EXCEPTION 'max_retries must be a non-negative integer, not %', coalesce(max_retries::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF only_endpoint IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM @extschema@.webhook_endpoints e WHERE e.name = only_endpoint) THEN
        RAISE EXCEPTION 'endpoint "%" does not exist', only_endpoint
            USING ERRCODE = 'undefined_object',
                  HINT = 'SELECT name FROM webhook_endpoints_status lists the endpoints.';
    END IF;
    WITH requeued AS (
        UPDATE @extschema@.webhook_deliveries d
           SET status = 'pending',
               manual_retries = d.manual_retries + 1,
               attempts_before_retry = d.attempts,
               next_attempt_at = now()
         WHERE d.status = 'failed'
           AND d.manual_retries < max_retries
           AND (only_endpoint IS NULL OR d.endpoint = only_endpoint)
           AND EXISTS (SELECT 1 FROM @extschema@.webhook_endpoints e WHERE e.name = d.endpoint)
        RETURNING d.outbox_id)
    SELECT array_agg(r.outbox_id) INTO requeued_ids FROM requeued r;
    -- A failed event without deliveries (marked failed by hand, or by
    -- booking_events_adopt(false) before it had any) goes to `default`, as
    -- every event did before 1.2.0.
    IF only_endpoint IS NULL OR only_endpoint = 'default' THEN
        WITH orphaned AS (
            INSERT INTO @extschema@.webhook_deliveries
                   (outbox_id, endpoint, booking_id, status, attempts, manual_retries,
                    attempts_before_retry, next_attempt_at)
            SELECT o.id, 'default', o.booking_id, 'pending', o.attempts, o.manual_retries + 1,
                   o.attempts, now()
              FROM @extschema@.webhook_outbox o
             WHERE o.status = 'failed'
               AND o.manual_retries < max_retries
               AND NOT EXISTS (SELECT 1 FROM @extschema@.webhook_deliveries d WHERE d.outbox_id = o.id)
            RETURNING outbox_id)
        SELECT array_cat(requeued_ids, array_agg(orphaned.outbox_id)) INTO requeued_ids FROM orphaned;
    END IF;
    IF cardinality(requeued_ids) IS NULL OR cardinality(requeued_ids) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM @extschema@.booking_events_settle_events(requeued_ids);
    PERFORM @extschema@.booking_events_wake_worker();
    RETURN cardinality(requeued_ids);
END;
$$;
COMMENT ON FUNCTION retry_failed_webhooks(int, text) IS
    'Puts failed deliveries (of one endpoint, or all) that were manually retried fewer than max_retries times back to pending; returns how many';
SELECT booking_events_carry_execute_grants('@extschema@.booking_events_retry_failed_webhooks_1_1(int)',
                                           '@extschema@.retry_failed_webhooks(int, text)');

-- The same C function: called with no argument (a database still at
-- 1.0.0 or 1.1.0) it tests the settings' receiver.
ALTER FUNCTION test_webhook() RENAME TO booking_events_test_webhook_1_1;
CREATE FUNCTION test_webhook(endpoint text DEFAULT 'default', OUT success boolean,
                             OUT status_code int, OUT response_time_ms double precision,
                             OUT error text)
    AS 'MODULE_PATHNAME', 'test_webhook'
    LANGUAGE C SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION test_webhook(text) IS
    'Sends one webhook.test event now to an endpoint (default: booking_events.webhook_url), from this session, and logs it';
SELECT booking_events_carry_execute_grants('@extschema@.booking_events_test_webhook_1_1()',
                                           '@extschema@.test_webhook(text)');

-- Runs as the owner now: it reads the endpoints table (never showing a
-- secret) for callers that cannot.
ALTER FUNCTION validate_webhook_config() RENAME TO booking_events_validate_webhook_config_1_1;
CREATE FUNCTION validate_webhook_config(endpoint text DEFAULT NULL, OUT is_valid boolean,
                                        OUT errors text[], OUT warnings text[])
    AS 'MODULE_PATHNAME', 'validate_webhook_config'
    LANGUAGE C STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION validate_webhook_config(text) IS
    'Checks the settings and the endpoints (all, or one) without sending anything';
SELECT booking_events_carry_execute_grants('@extschema@.booking_events_validate_webhook_config_1_1()',
                                           '@extschema@.validate_webhook_config(text)');
DROP FUNCTION booking_events_carry_execute_grants(regprocedure, regprocedure);

-- webhook_health() with endpoints: an empty webhook_url holds events only
-- when `default` is the only receiver or has deliveries waiting; each
-- endpoint whose circuit is open or half open is a `failing` reason, each
-- one paused (by webhook_endpoint_pause or a receiver's Retry-After) a
-- `degraded` one. Otherwise as in 1.1.0.
CREATE OR REPLACE FUNCTION webhook_health() RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
    health jsonb := @extschema@.booking_events_worker_status();
    copied bigint := @extschema@.booking_events_copied_pending();
    paused boolean := (health->>'paused')::boolean;
    oldest_age numeric;
    attempts bigint;
    failures bigint;
    default_waiting bigint;
    other_endpoints boolean;
    endpoint_row record;
    utc_format constant text := 'YYYY-MM-DD"T"HH24:MI:SS"Z"';
    down text[] := '{}';
    held text[] := '{}';
    failing text[] := '{}';
    degraded text[] := '{}';
BEGIN
    -- Each count reads one partial index, so this stays cheap with millions
    -- of delivered events.
    health := health || jsonb_build_object(
        'copied_pending', copied,
        'pending', (SELECT count(*) FROM @extschema@.webhook_outbox WHERE status = 'pending'),
        'failed', (SELECT count(*) FROM @extschema@.webhook_outbox WHERE status = 'failed'),
        'oldest_pending_at', (SELECT min(created_at) FROM @extschema@.webhook_outbox WHERE status = 'pending'),
        'oldest_pending_age_seconds', (SELECT round(extract(epoch FROM now() - min(created_at))::numeric, 3)
                                       FROM @extschema@.webhook_outbox WHERE status = 'pending'),
        'last_success_at', (SELECT created_at FROM @extschema@.webhook_logs
                            WHERE status = 'success' AND NOT is_test
                            ORDER BY created_at DESC LIMIT 1),
        'last_error', (SELECT jsonb_build_object('at', created_at, 'event_id', event_id,
                                                 'event_type', event_type, 'http_status', http_status,
                                                 'endpoint', endpoint, 'error', error)
                       FROM @extschema@.webhook_logs WHERE status = 'failed' AND NOT is_test
                       ORDER BY created_at DESC LIMIT 1));
    oldest_age := (health->>'oldest_pending_age_seconds')::numeric;
    SELECT count(*), count(*) FILTER (WHERE status = 'failed') INTO attempts, failures
      FROM @extschema@.webhook_logs
     WHERE created_at >= now() - interval '15 minutes' AND NOT is_test;
    SELECT count(*) INTO default_waiting FROM @extschema@.webhook_deliveries
     WHERE endpoint = 'default' AND status = 'pending';
    other_endpoints := EXISTS (SELECT 1 FROM @extschema@.webhook_endpoints WHERE name <> 'default');

    IF NOT (health->>'worker_loaded')::boolean THEN
        down := down || 'booking_events is not in shared_preload_libraries: no worker delivers events'::text;
    ELSIF health->>'database_name' <> current_database() THEN
        down := down || format('booking_events.database_name is %L: no worker delivers the events of database %L',
                               health->>'database_name', current_database());
    ELSIF NOT (health->>'worker_running')::boolean THEN
        down := down || 'the delivery worker is not running'::text;
    END IF;
    IF paused THEN
        held := held || 'booking_events.paused is on'::text;
    END IF;
    IF NOT (health->>'webhook_configured')::boolean THEN
        IF default_waiting > 0 AND other_endpoints THEN
            held := held || format('booking_events.webhook_url is empty: %s deliveries to endpoint "default" are pending',
                                   default_waiting);
        ELSIF NOT other_endpoints THEN
            held := held || 'booking_events.webhook_url is empty'::text;
        END IF;
    END IF;
    IF copied > 0 THEN
        held := held || format('%s pending events were written in another database (a restored copy?): '
                               'booking_events_adopt(true) sends them from here, booking_events_adopt(false) marks them failed',
                               copied);
    END IF;
    FOR endpoint_row IN
        SELECT s.name, s.state, s.url_origin, s.state_since, s.pending, st.paused_until
          FROM @extschema@.webhook_endpoints_status s
          LEFT JOIN @extschema@.webhook_endpoint_state st ON st.name = s.name
         WHERE s.state <> 'active'
         ORDER BY s.name
    LOOP
        IF endpoint_row.state IN ('open', 'half_open') THEN
            failing := failing || format('endpoint "%s": circuit %s since %s (%s pending)',
                                         endpoint_row.name, endpoint_row.state,
                                         to_char(endpoint_row.state_since AT TIME ZONE 'UTC', utc_format),
                                         endpoint_row.pending);
        ELSIF endpoint_row.paused_until > now() THEN
            degraded := degraded || format('endpoint "%s": paused by the receiver (Retry-After) until %s (%s pending)',
                                           endpoint_row.name,
                                           to_char(endpoint_row.paused_until AT TIME ZONE 'UTC', utc_format),
                                           endpoint_row.pending);
        ELSE
            degraded := degraded || format('endpoint "%s": paused by webhook_endpoint_pause() since %s (%s pending)',
                                           endpoint_row.name,
                                           to_char(endpoint_row.state_since AT TIME ZONE 'UTC', utc_format),
                                           endpoint_row.pending);
        END IF;
    END LOOP;
    IF attempts >= 3 AND failures = attempts THEN
        failing := failing || format('all %s delivery attempts of the last 15 minutes failed', attempts);
    ELSIF attempts >= 3 AND failures * 5 >= attempts THEN
        degraded := degraded || format('%s of %s delivery attempts of the last 15 minutes failed', failures, attempts);
    END IF;
    IF oldest_age > 3600 THEN
        failing := failing || format('the oldest pending event has waited %s seconds (over 1 hour)', round(oldest_age));
    ELSIF oldest_age > 300 THEN
        degraded := degraded || format('the oldest pending event has waited %s seconds (over 5 minutes)', round(oldest_age));
    END IF;

    RETURN health || jsonb_build_object(
        'status', CASE WHEN cardinality(down) > 0 THEN 'down'
                       WHEN cardinality(held) > 0 THEN 'paused'
                       WHEN cardinality(failing) > 0 THEN 'failing'
                       WHEN cardinality(degraded) > 0 THEN 'degraded'
                       ELSE 'ok' END,
        'reasons', to_jsonb(down || held || failing || degraded));
END;
$$;

-- The deliveries of the events it deletes go in the same statement (no
-- foreign key does it).
CREATE OR REPLACE FUNCTION cleanup_webhook_logs(retention_days int DEFAULT 30) RETURNS int
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
    cutoff timestamptz;
    deleted int;
BEGIN
    IF retention_days IS NULL OR retention_days < 1 THEN
        RAISE EXCEPTION 'retention_days must be at least 1, not %', coalesce(retention_days::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'booking_events.log_retention_days = 0 means keep forever, so 0 is not accepted here. '
                         'To empty the audit trail on purpose: TRUNCATE webhook_logs.';
    END IF;
    cutoff := now() - make_interval(days => retention_days);
    DELETE FROM @extschema@.webhook_logs WHERE created_at < cutoff;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    -- Only delivered events: pending and failed ones are work still owed.
    WITH gone AS (
        DELETE FROM @extschema@.webhook_outbox WHERE status = 'delivered' AND delivered_at < cutoff
        RETURNING id)
    DELETE FROM @extschema@.webhook_deliveries d USING gone WHERE d.outbox_id = gone.id;
    RETURN deleted;
END;
$$;

-- adopt(false) fails the copied events' pending deliveries too (the worker
-- sends deliveries, not outbox rows) and settles their events.
CREATE OR REPLACE FUNCTION booking_events_adopt(send_copied_events boolean) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
    here text := @extschema@.booking_events_database_identity();
    adopted bigint;
    unsent_ids bigint[];
BEGIN
    IF send_copied_events IS NULL THEN
        RAISE EXCEPTION 'booking_events_adopt: say true (send the copied events from here) or false (mark them failed, unsent)'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT send_copied_events THEN
        WITH unsent AS (
            UPDATE @extschema@.webhook_deliveries d
               SET status = 'failed',
                   last_error = 'not sent: written in another database (restored copy)'
              FROM @extschema@.webhook_outbox o
             WHERE o.id = d.outbox_id AND d.status = 'pending'
               AND o.status IN ('pending', 'failed') AND o.origin <> here
            RETURNING d.outbox_id)
        SELECT array_agg(u.outbox_id) INTO unsent_ids FROM unsent u;
    END IF;
    IF send_copied_events THEN
        UPDATE @extschema@.webhook_outbox SET origin = here
         WHERE status IN ('pending', 'failed') AND origin <> here;
    ELSE
        -- Failed, never deleted: the copy keeps its record, and
        -- retry_failed_webhooks() can still send them on purpose.
        UPDATE @extschema@.webhook_outbox
           SET origin = here,
               status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,
               last_error = CASE WHEN status = 'pending'
                                 THEN 'not sent: written in another database (restored copy)'
                                 ELSE last_error END
         WHERE status IN ('pending', 'failed') AND origin <> here;
    END IF;
    GET DIAGNOSTICS adopted = ROW_COUNT;
    PERFORM @extschema@.booking_events_settle_events(coalesce(unsent_ids, '{}'));
    RAISE LOG 'booking_events_adopt(%): % events of another database adopted by %',
        send_copied_events, adopted, session_user;
    PERFORM @extschema@.booking_events_wake_worker();
    RETURN adopted;
END;
$$;

-- The purposes with the endpoint objects: admin manages endpoints and
-- reads the deliveries; monitor reads the two views (never
-- webhook_endpoints itself, which holds the secrets).
CREATE OR REPLACE FUNCTION booking_events_privileges()
    RETURNS TABLE (purpose text, privilege text, object_type text, object_name text)
    LANGUAGE sql IMMUTABLE
AS $$
    VALUES
        ('admin', 'USAGE', 'SCHEMA', NULL),
        ('admin', 'SELECT', 'TABLE', 'webhook_outbox'),
        ('admin', 'SELECT', 'TABLE', 'webhook_deliveries'),
        ('admin', 'SELECT', 'TABLE', 'webhook_logs'),
        ('admin', 'SELECT', 'TABLE', 'webhook_stats'),
        ('admin', 'SELECT', 'TABLE', 'webhook_stats_by_event_type'),
        ('admin', 'SELECT', 'TABLE', 'webhook_stats_by_endpoint'),
        ('admin', 'SELECT', 'TABLE', 'webhook_endpoints_status'),
        ('admin', 'SELECT', 'TABLE', 'booking_events_listeners'),
        ('admin', 'EXECUTE', 'FUNCTION', 'booking_events_endpoint_origin(text)'),
        ('admin', 'EXECUTE', 'FUNCTION', 'webhook_health()'),
        ('admin', 'EXECUTE', 'FUNCTION', 'validate_webhook_config(text)'),
        ('admin', 'EXECUTE', 'FUNCTION', 'test_webhook(text)'),
        ('admin', 'EXECUTE', 'FUNCTION', 'retry_failed_webhooks(integer, text)'),
        ('admin', 'EXECUTE', 'FUNCTION', 'cleanup_webhook_logs(integer)'),
        ('admin', 'EXECUTE', 'FUNCTION', 'manually_trigger_webhook(text, text)'),
        ('admin', 'EXECUTE', 'FUNCTION', 'booking_events_adopt(boolean)'),
        ('admin', 'EXECUTE', 'FUNCTION', 'webhook_endpoint_set(text, text, text[], real, integer, text, text)'),
        ('admin', 'EXECUTE', 'FUNCTION', 'webhook_endpoint_remove(text)'),
        ('admin', 'EXECUTE', 'FUNCTION', 'webhook_endpoint_pause(text)'),
        ('admin', 'EXECUTE', 'FUNCTION', 'webhook_endpoint_resume(text)'),
        ('monitor', 'USAGE', 'SCHEMA', NULL),
        ('monitor', 'SELECT', 'TABLE', 'webhook_logs'),
        ('monitor', 'SELECT', 'TABLE', 'webhook_stats'),
        ('monitor', 'SELECT', 'TABLE', 'webhook_stats_by_event_type'),
        ('monitor', 'SELECT', 'TABLE', 'webhook_stats_by_endpoint'),
        ('monitor', 'SELECT', 'TABLE', 'webhook_endpoints_status'),
        ('monitor', 'SELECT', 'TABLE', 'booking_events_listeners'),
        ('monitor', 'EXECUTE', 'FUNCTION', 'booking_events_endpoint_origin(text)'),
        ('monitor', 'EXECUTE', 'FUNCTION', 'webhook_health()'),
        ('monitor', 'EXECUTE', 'FUNCTION', 'validate_webhook_config(text)'),
        ('listener', 'USAGE', 'SCHEMA', NULL),
        ('listener', 'EXECUTE', 'FUNCTION', 'booking_events_replay(bigint, text[], text[], text[], text[], integer)'),
        ('attach', 'USAGE', 'SCHEMA', NULL),
        ('attach', 'EXECUTE', 'FUNCTION', 'trigger_booking_event_webhook()')
$$;

REVOKE ALL ON webhook_endpoints_status, webhook_stats_by_endpoint FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_endpoint_origin(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION webhook_endpoint_set(text, text, text[], real, int, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_lock_endpoint(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_set_endpoint_paused(text, boolean, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION webhook_endpoint_remove(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION webhook_endpoint_pause(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION webhook_endpoint_resume(text) FROM PUBLIC;
