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

