-- booking_events 1.1.0 -> 1.2.0: endpoints. A fresh install runs it too: CREATE EXTENSION
-- runs 1.0.0, then each update script in turn, so the schema is written once.
\echo Use "ALTER EXTENSION booking_events UPDATE TO '1.2.0'" to load this file. \quit

-- Endpoints (1.2.0): several receivers, routed by event type. The event
-- stays one row in webhook_outbox (its payload is stored once); each
-- (event, endpoint) pair is a row in webhook_deliveries with its own
-- attempts, status, backoff and per-booking order. The outbox row's status
-- columns become the sum of its deliveries, kept by the worker: pending
-- while any delivery is pending, else failed if any failed, else delivered.

-- The receivers. 'default' is booking_events.webhook_url (with api_key and
-- signing_secret): its url and secrets stay NULL here and are read from the
-- settings. Written only by the webhook_endpoint_* functions.
CREATE TABLE webhook_endpoints (
    name text PRIMARY KEY
        CONSTRAINT webhook_endpoints_name_check
        CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    url text,
    event_types text[] NOT NULL DEFAULT '{*}',
    max_per_second real
        CONSTRAINT webhook_endpoints_rate_check CHECK (max_per_second > 0),
    batch_max int NOT NULL DEFAULT 1
        CONSTRAINT webhook_endpoints_batch_check CHECK (batch_max BETWEEN 1 AND 1000),
    api_key text,
    signing_secret text,
    paused boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_endpoints_url_check CHECK ((name = 'default') = (url IS NULL))
);
COMMENT ON TABLE webhook_endpoints IS
    'booking_events: webhook receivers; ''default'' is booking_events.webhook_url';
INSERT INTO webhook_endpoints (name) VALUES ('default');

-- One row per (event, endpoint): that endpoint's delivery of the event.
-- No foreign key to the outbox: its check would run a query per event in
-- the application's transaction. Whoever deletes outbox rows deletes their
-- deliveries in the same statement.
CREATE TABLE webhook_deliveries (
    outbox_id bigint NOT NULL,
    endpoint text NOT NULL,
    -- Copied from the outbox: the per-booking order check reads one index.
    booking_id text,
    status text NOT NULL DEFAULT 'pending'
        CONSTRAINT webhook_deliveries_status_check
        CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts int NOT NULL DEFAULT 0,
    manual_retries int NOT NULL DEFAULT 0,
    attempts_before_retry int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    last_http_status int,
    last_error text,
    PRIMARY KEY (outbox_id, endpoint)
);
COMMENT ON TABLE webhook_deliveries IS
    'booking_events: each endpoint''s delivery of each event (attempts, status, backoff)';
ALTER TABLE webhook_deliveries SET (autovacuum_vacuum_scale_factor = 0.02,
                                    autovacuum_vacuum_threshold = 1000,
                                    autovacuum_vacuum_insert_scale_factor = 0.02);
-- An endpoint's waiting deliveries in outbox order (the claim).
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (endpoint, outbox_id)
    WHERE status = 'pending';
-- Per-booking order per endpoint; a hash, so a booking_id of any length fits.
CREATE INDEX webhook_deliveries_booking_pending_idx
    ON webhook_deliveries (endpoint, hashtextextended(booking_id, 0), outbox_id)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_failed_idx ON webhook_deliveries (outbox_id)
    WHERE status = 'failed';

-- The worker's live view of each endpoint (circuit breaker, Retry-After
-- pause). Written on a state change and about once a second, never per
-- request; rebuilt from scratch after a restart.
CREATE TABLE webhook_endpoint_state (
    name text PRIMARY KEY,
    state text NOT NULL DEFAULT 'active'
        CONSTRAINT webhook_endpoint_state_check
        CHECK (state IN ('active', 'paused', 'open', 'half_open')),
    state_since timestamptz NOT NULL DEFAULT now(),
    consecutive_failures int NOT NULL DEFAULT 0,
    paused_until timestamptz,
    last_success_at timestamptz,
    last_failure_at timestamptz,
    last_error text
);
COMMENT ON TABLE webhook_endpoint_state IS
    'booking_events: the delivery worker''s live state of each endpoint';

-- Which endpoint an attempt went to. A constant default: no table rewrite,
-- and the attempts made before 1.2.0 read 'default'.
ALTER TABLE webhook_logs ADD COLUMN endpoint text NOT NULL DEFAULT 'default';

SELECT pg_catalog.pg_extension_config_dump('webhook_endpoints', 'WHERE name <> ''default''');
SELECT pg_catalog.pg_extension_config_dump('webhook_deliveries', '');

REVOKE ALL ON webhook_endpoints, webhook_deliveries, webhook_endpoint_state FROM PUBLIC;

-- Every event still waiting, or failed, goes to 'default' (the only
-- receiver before 1.2.0) with its attempts, schedule and retry budget
-- intact. Delivered history needs no delivery rows.
INSERT INTO webhook_deliveries (outbox_id, endpoint, booking_id, status, attempts,
                                manual_retries, attempts_before_retry, next_attempt_at,
                                delivered_at, last_http_status, last_error)
SELECT id, 'default', booking_id, status, attempts, manual_retries, attempts_before_retry,
       next_attempt_at, delivered_at, last_http_status, last_error
FROM webhook_outbox
WHERE status IN ('pending', 'failed');

-- The outbox row of an event summarises its deliveries: pending while any
-- delivery is pending, else failed if any failed, else delivered; attempts
-- and manual retries add up; the schedule is the earliest pending one; the
-- last answer and error are those of the delivery furthest from done
-- (failed, then pending, then delivered; by endpoint name within one
-- status). Everything that changes a delivery's status (the worker, the
-- admin functions) calls it for the events it touched, in the same
-- transaction. An event without deliveries (no endpoint wanted it) is left
-- as it was written.
CREATE FUNCTION booking_events_settle_events(outbox_ids bigint[]) RETURNS bigint
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH summary AS (
        SELECT d.outbox_id,
               CASE WHEN bool_or(d.status = 'pending') THEN 'pending'
                    WHEN bool_or(d.status = 'failed') THEN 'failed'
                    ELSE 'delivered' END AS status,
               sum(d.attempts)::int AS attempts,
               max(d.manual_retries) AS manual_retries,
               sum(d.attempts_before_retry)::int AS attempts_before_retry,
               min(d.next_attempt_at) FILTER (WHERE d.status = 'pending') AS next_attempt_at,
               max(d.delivered_at) AS delivered_at,
               (array_agg(d.last_http_status ORDER BY
                    CASE d.status WHEN 'failed' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END,
                    d.endpoint))[1] AS last_http_status,
               (array_agg(d.last_error ORDER BY
                    CASE d.status WHEN 'failed' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END,
                    d.endpoint))[1] AS last_error
        FROM @extschema@.webhook_deliveries d
        WHERE d.outbox_id = ANY (outbox_ids)
        GROUP BY d.outbox_id
    ), settled AS (
        UPDATE @extschema@.webhook_outbox o
        SET status = s.status,
            attempts = s.attempts,
            manual_retries = s.manual_retries,
            attempts_before_retry = s.attempts_before_retry,
            next_attempt_at = coalesce(s.next_attempt_at, o.next_attempt_at),
            delivered_at = CASE WHEN s.status = 'delivered' THEN s.delivered_at END,
            last_http_status = s.last_http_status,
            last_error = s.last_error
        FROM summary s
        WHERE o.id = s.outbox_id
          AND (o.status, o.attempts, o.manual_retries, o.attempts_before_retry,
               o.next_attempt_at, o.delivered_at, o.last_http_status, o.last_error)
              IS DISTINCT FROM
              (s.status, s.attempts, s.manual_retries, s.attempts_before_retry,
               coalesce(s.next_attempt_at, o.next_attempt_at),
               CASE WHEN s.status = 'delivered' THEN s.delivered_at END,
               s.last_http_status, s.last_error)
        RETURNING 1
    )
    SELECT count(*) FROM settled
$$;
COMMENT ON FUNCTION booking_events_settle_events(bigint[]) IS
    'Brings the outbox rows of these events in line with their deliveries (status, attempts, schedule, last error)';
REVOKE ALL ON FUNCTION booking_events_settle_events(bigint[]) FROM PUBLIC;

-- ===========================================================================
-- ep-sql (issue #11): the DBA side of endpoints. The endpoint functions,
-- the two views, retry_failed_webhooks / test_webhook /
-- validate_webhook_config per endpoint, webhook_health() per endpoint,
-- cleanup and adopt with deliveries, and the purposes' privileges.
-- Every function that writes runs as the extension's owner with a pinned
-- search_path and names each object with the extension's schema: a caller
-- granted EXECUTE passes values, never code, and reads no secret.
-- ===========================================================================

-- When an endpoint was paused (webhook_endpoints_status.state_since).
ALTER TABLE webhook_endpoints ADD COLUMN paused_at timestamptz;

-- scheme://host[:port] of an endpoint's URL; NULL (the `default` row) is
-- booking_events.webhook_url, which most callers may not read.
CREATE FUNCTION booking_events_endpoint_origin(url text) RETURNS text
    AS 'MODULE_PATHNAME', 'booking_events_endpoint_origin'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION booking_events_endpoint_origin(text) IS
    'Scheme, host and port of an endpoint URL (NULL: booking_events.webhook_url); never the path';

CREATE FUNCTION webhook_endpoint_set(name text, url text, event_types text[] DEFAULT '{*}',
                                     max_per_second real DEFAULT NULL, batch_max int DEFAULT 1,
                                     api_key text DEFAULT NULL, signing_secret text DEFAULT NULL)
    RETURNS void
    AS 'MODULE_PATHNAME', 'webhook_endpoint_set'
    LANGUAGE C SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION webhook_endpoint_set(text, text, text[], real, int, text, text) IS
    'Creates or changes an endpoint: URL, event type patterns, rate limit, batch size, API key, signing secret';

-- The endpoint's row, locked against a concurrent change; 42704 when there
-- is none. `default` passes: pause and resume work on it.
CREATE FUNCTION booking_events_lock_endpoint(endpoint text, caller text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF endpoint IS NULL THEN
        RAISE EXCEPTION '%: name must not be NULL', caller USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM 1 FROM @extschema@.webhook_endpoints e WHERE e.name = endpoint FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'endpoint "%" does not exist', endpoint
            USING ERRCODE = 'undefined_object',
                  HINT = 'SELECT name FROM webhook_endpoints_status lists the endpoints.';
    END IF;
END;
$$;

-- Pending deliveries end failed ("endpoint removed"), never silently
-- dropped: retry_failed_webhooks() leaves them alone (no endpoint to go
-- to), the audit trail keeps them.
CREATE FUNCTION webhook_endpoint_remove(name text) RETURNS int
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    endpoint text := $1;
    removed_ids bigint[];
BEGIN
    IF endpoint = 'default' THEN
        RAISE EXCEPTION 'endpoint "default" cannot be removed'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Empty booking_events.webhook_url to stop using it, or webhook_endpoint_pause(''default'').';
    END IF;
    PERFORM @extschema@.booking_events_lock_endpoint(endpoint, 'webhook_endpoint_remove');
    WITH removed AS (
        UPDATE @extschema@.webhook_deliveries d
           SET status = 'failed', last_error = 'endpoint removed'
         WHERE d.endpoint = $1 AND d.status = 'pending'
        RETURNING d.outbox_id)
    SELECT array_agg(r.outbox_id) INTO removed_ids FROM removed r;
    PERFORM @extschema@.booking_events_settle_events(coalesce(removed_ids, '{}'));
    DELETE FROM @extschema@.webhook_endpoint_state s WHERE s.name = endpoint;
    DELETE FROM @extschema@.webhook_endpoints e WHERE e.name = endpoint;
    PERFORM @extschema@.booking_events_wake_worker();
    RETURN coalesce(cardinality(removed_ids), 0);
END;
$$;
COMMENT ON FUNCTION webhook_endpoint_remove(text) IS
    'Removes an endpoint; its pending deliveries end failed with "endpoint removed"; returns how many';

-- Pausing and resuming: the flag, since when, and the worker woken to
-- apply it.
CREATE FUNCTION booking_events_set_endpoint_paused(endpoint text, pause boolean, caller text)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@.booking_events_lock_endpoint(endpoint, caller);
    UPDATE @extschema@.webhook_endpoints e
       SET paused = pause,
           paused_at = CASE WHEN pause THEN coalesce(e.paused_at, now()) END,
           updated_at = now()
     WHERE e.name = endpoint;
    PERFORM @extschema@.booking_events_wake_worker();
END;
$$;

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

-- Roles a DBA made admin or monitor on 1.1.0 keep their whole purpose:
-- whoever can use every object the purpose had before 1.2.0 (PUBLIC has
-- none of them) is granted the new ones.
DO $$
DECLARE
    holder record;
BEGIN
    FOR holder IN
        SELECT r.oid::regrole AS role, p.purpose
          FROM pg_roles r, (VALUES ('admin'), ('monitor')) AS p (purpose)
         WHERE NOT r.rolsuper AND r.rolname !~ '^pg_'
           AND r.oid <> (SELECT extowner FROM pg_extension WHERE extname = 'booking_events')
           AND NOT EXISTS (
               SELECT 1 FROM @extschema@.booking_events_privileges() v
                WHERE v.purpose = p.purpose AND v.object_type <> 'SCHEMA'
                  AND v.object_name NOT IN (
                      'webhook_deliveries', 'webhook_stats_by_endpoint', 'webhook_endpoints_status',
                      'booking_events_endpoint_origin(text)',
                      'webhook_endpoint_set(text, text, text[], real, integer, text, text)',
                      'webhook_endpoint_remove(text)', 'webhook_endpoint_pause(text)',
                      'webhook_endpoint_resume(text)')
                  AND NOT CASE v.object_type
                          WHEN 'TABLE' THEN has_table_privilege(
                              r.oid, format('@extschema@.%s', v.object_name), v.privilege)
                          ELSE has_function_privilege(
                              r.oid, format('@extschema@.%s', v.object_name), v.privilege) END)
    LOOP
        PERFORM @extschema@.booking_events_apply_privileges('GRANT', holder.role, holder.purpose);
    END LOOP;
END;
$$;
