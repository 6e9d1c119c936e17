-- ===========================================================================
-- settle8: two settles of one event never lose each other's change.
-- booking_events_settle_events read the deliveries in its statement's
-- snapshot, then waited on the outbox row when another transaction was
-- settling the same event; in READ COMMITTED it then wrote the row from
-- deliveries read before that one committed, and the row could stay wrong
-- for good (pending with nothing pending). Now it locks the outbox rows
-- first, in id order (no deadlock between two settlers), in a statement of
-- its own: the function is VOLATILE, so the summary that follows takes a
-- new snapshot, which sees every settler of those events that held the lock
-- before; the ones after wait for this transaction. The worker's own
-- settle statements take the same lock the same way. The summary is
-- unchanged: pending while any delivery is pending, else failed if any
-- failed, else delivered; attempts and manual retries add up; the schedule
-- is the earliest pending one; the last answer and error are those of the
-- delivery furthest from done (failed, then pending, then delivered; by
-- endpoint name within one status). An event without deliveries is left as
-- it was written. Privileges are kept (CREATE OR REPLACE).
CREATE OR REPLACE FUNCTION booking_events_settle_events(outbox_ids bigint[]) RETURNS bigint
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT o.id FROM @extschema@.webhook_outbox o
    WHERE o.id = ANY (outbox_ids)
    ORDER BY o.id
    FOR NO KEY UPDATE;

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
    'Brings the outbox rows of these events in line with their deliveries (status, attempts, schedule, last error), after locking those rows in id order';
