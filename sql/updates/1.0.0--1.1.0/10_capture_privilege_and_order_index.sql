-- booking_events 1.0.0 -> 1.1.0
\echo Use "ALTER EXTENSION booking_events UPDATE TO '1.1.0'" to load this file. \quit

-- Every change to installed objects between 1.0.0 and 1.1.0, in the order
-- they were made. The outbox and the audit trail are altered in place, never
-- recreated: pending and failed events survive the update.

-- capture: least privilege on the trigger path (issue #10). Only roles the
-- DBA grants EXECUTE may attach trigger_booking_event_webhook(); triggers
-- already attached keep firing for every role, as before.
REVOKE ALL ON FUNCTION @extschema@.trigger_booking_event_webhook() FROM PUBLIC;

-- Delivery worker: per-booking order index keyed on a hash of booking_id, so
-- a booking_id of any length can be inserted (a btree entry over about 2,700
-- bytes is an error). Only the index changes; no row is touched.
DROP INDEX @extschema@.webhook_outbox_booking_pending_idx;
CREATE INDEX webhook_outbox_booking_pending_idx
    ON @extschema@.webhook_outbox (hashtextextended(booking_id, 0), id)
    WHERE status = 'pending';

