-- ===========================================================================
-- dba (issue #14): the DBA's day. Events remember the database they were
-- written in (a restored copy holds them back until booking_events_adopt());
-- test_webhook() attempts are marked and kept out of the statistics;
-- webhook_stats_by_event_type ordered by volume; cleanup_webhook_logs(0)
-- refused; webhook_health() gives one status with its reasons;
-- booking_events_grant() / booking_events_revoke() grant each purpose.
-- ===========================================================================

-- "<system identifier>/<database oid>" of the database running it.
CREATE FUNCTION booking_events_database_identity() RETURNS text
    AS 'MODULE_PATHNAME', 'booking_events_database_identity'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION booking_events_database_identity() IS
    'This database''s identity (system identifier/database oid): where an event was written';

-- A stable default is evaluated once here: the existing events belong to
-- this database, and no row is rewritten.
ALTER TABLE webhook_outbox
    ADD COLUMN origin text NOT NULL DEFAULT booking_events_database_identity();
COMMENT ON COLUMN webhook_outbox.origin IS
    'Database the event was written in; events from another database (a restored dump) are held';
-- Finds events written elsewhere without reading the whole backlog.
CREATE INDEX webhook_outbox_pending_origin_idx ON webhook_outbox (origin)
    WHERE status = 'pending';

ALTER TABLE webhook_logs ADD COLUMN is_test boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN webhook_logs.is_test IS
    'true for test_webhook() requests: kept in the audit trail, left out of the statistics';

-- Pending events written in another database: a dump restored here. The
-- worker sends nothing while there are any; webhook_health() says why.
CREATE FUNCTION booking_events_copied_pending() RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT count(*) FROM @extschema@.webhook_outbox
    WHERE status = 'pending'
      AND (origin < @extschema@.booking_events_database_identity()
           OR origin > @extschema@.booking_events_database_identity())
$$;

CREATE FUNCTION booking_events_adopt(send_copied_events boolean) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, @extschema@, pg_temp
AS $$
DECLARE
    here text := @extschema@.booking_events_database_identity();
    adopted bigint;
BEGIN
    IF send_copied_events IS NULL THEN
        RAISE EXCEPTION 'booking_events_adopt: say true (send the copied events from here) or false (mark them failed, unsent)'
            USING ERRCODE = 'null_value_not_allowed';
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
    RAISE LOG 'booking_events_adopt(%): % events of another database adopted by %',
        send_copied_events, adopted, session_user;
    PERFORM @extschema@.booking_events_wake_worker();
    RETURN adopted;
END;
$$;
COMMENT ON FUNCTION booking_events_adopt(boolean) IS
    'After a restore: send the events written in the original database from here (true) or mark them failed unsent (false)';

-- One verdict for alerting: status is the worst level found, reasons say
-- every finding. Thresholds are documented in the README (Monitoring).
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
                                                 'error', error)
                       FROM @extschema@.webhook_logs WHERE status = 'failed' AND NOT is_test
                       ORDER BY created_at DESC LIMIT 1));
    oldest_age := (health->>'oldest_pending_age_seconds')::numeric;
    SELECT count(*), count(*) FILTER (WHERE status = 'failed') INTO attempts, failures
      FROM @extschema@.webhook_logs
     WHERE created_at >= now() - interval '15 minutes' AND NOT is_test;

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
        held := held || 'booking_events.webhook_url is empty'::text;
    END IF;
    IF copied > 0 THEN
        held := held || format('%s pending events were written in another database (a restored copy?): '
                               'booking_events_adopt(true) sends them from here, booking_events_adopt(false) marks them failed',
                               copied);
    END IF;
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
COMMENT ON FUNCTION webhook_health() IS
    'Is delivery working? status (ok, degraded, failing, paused, down), reasons, worker, configuration (host only), queue and last outcomes';

-- 0 days would delete the whole audit trail, while log_retention_days = 0
-- means keep forever: refused rather than read two ways.
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
    DELETE FROM @extschema@.webhook_outbox WHERE status = 'delivered' AND delivered_at < cutoff;
    RETURN deleted;
END;
$$;

-- Statistics leave test_webhook() requests out: they are not deliveries.
CREATE OR REPLACE VIEW webhook_stats AS
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
       (SELECT max(created_at) FROM webhook_logs WHERE status = 'success' AND NOT is_test) AS last_success_at,
       (SELECT max(created_at) FROM webhook_logs WHERE status = 'failed' AND NOT is_test) AS last_failure_at
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
      WHERE created_at >= now() - interval '24 hours' AND NOT is_test) AS l;

-- Busiest event types first.
CREATE OR REPLACE VIEW webhook_stats_by_event_type AS
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
      WHERE created_at >= now() - interval '24 hours' AND NOT is_test
      GROUP BY event_type) AS l USING (event_type)
ORDER BY coalesce(o.pending + o.delivered + o.failed, 0) DESC, coalesce(l.total_attempts, 0) DESC,
         1;

-- What each purpose needs, in one place: booking_events_grant() and
-- booking_events_revoke() read it, and a DBA can too. Objects are named
-- relative to the extension's schema.
CREATE FUNCTION booking_events_privileges()
    RETURNS TABLE (purpose text, privilege text, object_type text, object_name text)
    LANGUAGE sql IMMUTABLE
AS $$
    VALUES
        ('admin', 'USAGE', 'SCHEMA', NULL),
        ('admin', 'SELECT', 'TABLE', 'webhook_outbox'),
        ('admin', 'SELECT', 'TABLE', 'webhook_logs'),
        ('admin', 'SELECT', 'TABLE', 'webhook_stats'),
        ('admin', 'SELECT', 'TABLE', 'webhook_stats_by_event_type'),
        ('admin', 'SELECT', 'TABLE', 'booking_events_listeners'),
        ('admin', 'EXECUTE', 'FUNCTION', 'webhook_health()'),
        ('admin', 'EXECUTE', 'FUNCTION', 'validate_webhook_config()'),
        ('admin', 'EXECUTE', 'FUNCTION', 'test_webhook()'),
        ('admin', 'EXECUTE', 'FUNCTION', 'retry_failed_webhooks(integer)'),
        ('admin', 'EXECUTE', 'FUNCTION', 'cleanup_webhook_logs(integer)'),
        ('admin', 'EXECUTE', 'FUNCTION', 'manually_trigger_webhook(text, text)'),
        ('admin', 'EXECUTE', 'FUNCTION', 'booking_events_adopt(boolean)'),
        ('monitor', 'USAGE', 'SCHEMA', NULL),
        ('monitor', 'SELECT', 'TABLE', 'webhook_logs'),
        ('monitor', 'SELECT', 'TABLE', 'webhook_stats'),
        ('monitor', 'SELECT', 'TABLE', 'webhook_stats_by_event_type'),
        ('monitor', 'SELECT', 'TABLE', 'booking_events_listeners'),
        ('monitor', 'EXECUTE', 'FUNCTION', 'webhook_health()'),
        ('monitor', 'EXECUTE', 'FUNCTION', 'validate_webhook_config()'),
        ('listener', 'USAGE', 'SCHEMA', NULL),
        ('listener', 'EXECUTE', 'FUNCTION', 'booking_events_replay(bigint, text[], text[], text[], text[], integer)'),
        ('attach', 'USAGE', 'SCHEMA', NULL),
        ('attach', 'EXECUTE', 'FUNCTION', 'trigger_booking_event_webhook()')
$$;
COMMENT ON FUNCTION booking_events_privileges() IS
    'The privileges booking_events_grant() gives for each purpose (app needs none)';

-- GRANT or REVOKE statements for one purpose, checked: only a superuser or
-- the extension's owner hands out these privileges.
CREATE FUNCTION booking_events_privilege_statements(action text, role regrole, purpose text)
    RETURNS SETOF text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    extension_schema name;
    extension_owner oid;
BEGIN
    IF role IS NULL OR purpose IS NULL THEN
        RAISE EXCEPTION 'booking_events_%: role and purpose must not be NULL', lower(action)
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF purpose NOT IN ('app', 'admin', 'monitor', 'listener', 'attach') THEN
        RAISE EXCEPTION 'unknown purpose "%"', purpose
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use app, admin, monitor, listener or attach.';
    END IF;
    SELECT n.nspname, e.extowner INTO extension_schema, extension_owner
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'booking_events';
    IF NOT (SELECT rolsuper OR oid = extension_owner FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'permission denied to % booking_events privileges', lower(action)
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only a superuser or the owner of the extension may call this.';
    END IF;
    RETURN QUERY
    SELECT format('%s %s ON %s %s %s %s', action, p.privilege, p.object_type,
                  CASE WHEN p.object_type = 'SCHEMA' THEN quote_ident(extension_schema)
                       ELSE quote_ident(extension_schema) || '.' || p.object_name END,
                  CASE WHEN action = 'GRANT' THEN 'TO' ELSE 'FROM' END, role)
      FROM @extschema@.booking_events_privileges() AS p
     WHERE p.purpose = booking_events_privilege_statements.purpose
       -- Revoking keeps what another purpose the role holds still needs,
       -- unless that purpose is part of this one (monitor of admin): holding
       -- it then only means holding this one.
       AND (action = 'GRANT' OR NOT EXISTS (
            SELECT 1 FROM @extschema@.booking_events_privileges() AS other
             WHERE other.purpose <> booking_events_privilege_statements.purpose
               AND other.privilege = p.privilege AND other.object_type = p.object_type
               AND other.object_name IS NOT DISTINCT FROM p.object_name
               AND NOT @extschema@.booking_events_purpose_within(other.purpose,
                                                                 booking_events_privilege_statements.purpose)
               AND @extschema@.booking_events_role_holds(role, other.purpose, extension_schema)))
     ORDER BY p.object_type DESC, p.object_name;
END;
$$;

-- Whether a role was granted every privilege of a purpose itself: not
-- through PUBLIC or another role, which booking_events_revoke() does not
-- take away.
CREATE FUNCTION booking_events_role_holds(role regrole, purpose text, extension_schema name)
    RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT bool_and(EXISTS (
               SELECT 1
                 FROM aclexplode(CASE p.object_type
                          WHEN 'SCHEMA' THEN (SELECT nspacl FROM pg_namespace
                                              WHERE nspname = extension_schema)
                          WHEN 'TABLE' THEN (SELECT relacl FROM pg_class WHERE oid =
                              to_regclass(format('%I.%s', extension_schema, p.object_name)))
                          ELSE (SELECT proacl FROM pg_proc WHERE oid =
                              to_regprocedure(format('%I.%s', extension_schema, p.object_name)))
                      END) AS acl
                WHERE acl.grantee = role AND acl.privilege_type = p.privilege))
      FROM @extschema@.booking_events_privileges() AS p
     WHERE p.purpose = booking_events_role_holds.purpose
$$;

-- Whether every privilege of one purpose is also one of another's.
CREATE FUNCTION booking_events_purpose_within(inner_purpose text, outer_purpose text)
    RETURNS boolean
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT NOT EXISTS (
        SELECT privilege, object_type, object_name FROM @extschema@.booking_events_privileges()
         WHERE purpose = inner_purpose
        EXCEPT
        SELECT privilege, object_type, object_name FROM @extschema@.booking_events_privileges()
         WHERE purpose = outer_purpose)
$$;

-- Runs the statements of one purpose; returns them.
CREATE FUNCTION booking_events_apply_privileges(action text, role regrole, purpose text)
    RETURNS SETOF text
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    statement text;
BEGIN
    FOR statement IN SELECT @extschema@.booking_events_privilege_statements(action, role, purpose) LOOP
        EXECUTE statement;
        RETURN NEXT statement;
    END LOOP;
END;
$$;

CREATE FUNCTION booking_events_grant(role regrole, purpose text) RETURNS SETOF text
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT @extschema@.booking_events_apply_privileges('GRANT', role, purpose);
    -- What the extension cannot grant: privileges on the application's own
    -- objects stay the DBA's.
    CASE purpose
    WHEN 'app' THEN
        RAISE NOTICE 'purpose app needs no privilege on booking_events objects: the triggers fire for any role that writes the table'
            USING HINT = 'Grant the role its own tables, e.g. GRANT USAGE ON SCHEMA booking; GRANT INSERT ON booking.booking_events; '
                         'GRANT USAGE ON SEQUENCE booking.booking_events_id_seq; GRANT UPDATE (status), SELECT (id) ON booking.bookings '
                         '(UPDATE ... WHERE id = ... reads id).';
    WHEN 'admin' THEN
        RAISE NOTICE 'manually_trigger_webhook() reads the table as the caller'
            USING HINT = format('Also grant %s USAGE on the application''s schema and SELECT on the tables it re-sends, e.g. GRANT SELECT ON booking.bookings.', role);
    WHEN 'monitor' THEN
        RAISE NOTICE 'booking_events_listeners shows backend_start and client_addr of other roles'' sessions only to members of pg_read_all_stats'
            USING HINT = format('GRANT pg_read_all_stats TO %s if it should see them (it also shows every session''s query text).', role);
    WHEN 'listener' THEN
        RAISE NOTICE 'booking_events_replay() returns only events of bookings the caller can SELECT'
            USING HINT = format('Also grant %s USAGE on the bookings table''s schema and SELECT on it (row-level security applies).', role);
    WHEN 'attach' THEN
        RAISE NOTICE 'attaching the trigger also needs the TRIGGER privilege on the table, or owning it';
    END CASE;
END;
$$;
COMMENT ON FUNCTION booking_events_grant(regrole, text) IS
    'Grants a role what one purpose needs (app, admin, monitor, listener, attach); returns the statements run';

CREATE FUNCTION booking_events_revoke(role regrole, purpose text) RETURNS SETOF text
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT @extschema@.booking_events_apply_privileges('REVOKE', role, purpose)
$$;
COMMENT ON FUNCTION booking_events_revoke(regrole, text) IS
    'Revokes what booking_events_grant() gave for one purpose, keeping what another purpose the role holds needs';

REVOKE ALL ON FUNCTION booking_events_copied_pending() FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_adopt(boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_privileges() FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_privilege_statements(text, regrole, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_role_holds(regrole, text, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_purpose_within(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_apply_privileges(text, regrole, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_grant(regrole, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION booking_events_revoke(regrole, text) FROM PUBLIC;
-- Real-time subscriptions (listen): booking_events_replay() becomes a C
-- function that runs as its caller and returns only the events of bookings
-- the caller can SELECT (row-level security included); it was a SECURITY
-- DEFINER SQL function that returned every event. CREATE OR REPLACE keeps
-- the function's grants.
CREATE OR REPLACE FUNCTION booking_events_replay(after_id bigint,
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
