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

