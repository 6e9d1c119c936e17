-- ===========================================================================
-- ep-fix (issue #11): the worker's indexes.
-- ===========================================================================
-- The claim's newest lane: an endpoint's deliveries due in the last two
-- seconds, newest first, so a fresh event does not wait behind a backlog;
-- and the worker's wait for its next retry (one probe per endpoint).
CREATE INDEX webhook_deliveries_recent_idx
    ON webhook_deliveries (endpoint, next_attempt_at, outbox_id) WHERE status = 'pending';
-- The 1.1.0 claim's outbox indexes: from 1.2.0 on the worker claims, keeps
-- per-booking order and waits on webhook_deliveries, and no other statement
-- reads them, so they only slowed every event's INSERT. A database still at
-- 1.1.0 keeps them (its worker runs the 1.1.0 statements).
DROP INDEX @extschema@.webhook_outbox_due_idx;
DROP INDEX @extschema@.webhook_outbox_booking_pending_idx;
