-- booking_events 1.4.0 -> 1.5.0. A fresh install runs it too: CREATE EXTENSION
-- runs 1.0.0, then each update script in turn, so the schema is written once.
-- Each change below has its own section, headed by the topic it serves.
\echo Use "ALTER EXTENSION booking_events UPDATE TO '1.5.0'" to load this file. \quit

-- ===========================================================================
-- rel10: cleanup_webhook_logs(retention_days) with a retention longer than
-- timestamptz reaches back (about 2.4 million days, up to 2147483647: a
-- "keep everything") failed with 22008 "timestamp out of range" from inside
-- the function, a message that said nothing about the argument. Such a
-- retention keeps every row: the cutoff is -infinity, nothing is older, the
-- call deletes nothing and returns 0. Refusing it instead would fail a
-- cleanup job for a number that means what it says. Otherwise unchanged;
-- privileges and comment are kept (CREATE OR REPLACE).
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
    BEGIN
        cutoff := now() - make_interval(days => retention_days);
    EXCEPTION WHEN datetime_field_overflow THEN
        cutoff := '-infinity';
    END;
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

-- ===========================================================================
-- rel10: the guidance of the messages raised here reaches the client whole.
-- The log redaction (Security in README.md) hides every quoted part of the
-- message of a sensitive statement, and the client gets the same text; a
-- message whose hint names booking_events.webhook_url is always one. So
-- webhook_endpoint_remove(default) said endpoint "***" cannot be removed,
-- with webhook_endpoint_pause('***') in its hint; and booking_events_grant()
-- called in one query string with webhook_endpoint_set() cut its notice for
-- monitor at the apostrophe of other roles' sessions (when the server logs
-- notices: only then does the redaction see them). The texts are now
-- written without quotes or apostrophes, and the remove error does not
-- repeat the name it refuses (hidden by value in a sensitive message, as
-- everything the statement passed). A value a message quotes on purpose
-- (endpoint "x" does not exist, unknown purpose "x") is the refused value:
-- hidden in a sensitive statement, as the C++ errors do. Otherwise
-- unchanged; privileges and comments are kept (CREATE OR REPLACE).
CREATE OR REPLACE FUNCTION webhook_endpoint_remove(name text) RETURNS int
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    endpoint text := $1;
    removed_ids bigint[];
BEGIN
    IF endpoint = 'default' THEN
        RAISE EXCEPTION 'this endpoint is configured by the settings and cannot be removed'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Empty booking_events.webhook_url to stop using it, or pause it with webhook_endpoint_pause().';
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

CREATE OR REPLACE FUNCTION booking_events_grant(role regrole, purpose text) RETURNS SETOF text
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
            USING HINT = format('Also grant %s USAGE on the schema of the application and SELECT on the tables it re-sends, e.g. GRANT SELECT ON booking.bookings.', role);
    WHEN 'monitor' THEN
        RAISE NOTICE 'booking_events_listeners shows backend_start and client_addr of the sessions of other roles only to members of pg_read_all_stats'
            USING HINT = format('GRANT pg_read_all_stats TO %s if it should see them (it also shows the query text of every session).', role);
    WHEN 'listener' THEN
        RAISE NOTICE 'booking_events_replay() returns only events of bookings the caller can SELECT'
            USING HINT = format('Also grant %s USAGE on the schema of the bookings table and SELECT on it (row-level security applies).', role);
    WHEN 'attach' THEN
        RAISE NOTICE 'attaching the trigger also needs the TRIGGER privilege on the table, or owning it';
    END CASE;
END;
$$;
