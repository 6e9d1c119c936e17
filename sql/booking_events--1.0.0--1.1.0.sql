-- booking_events 1.0.0 -> 1.1.0
\echo Use "ALTER EXTENSION booking_events UPDATE TO '1.1.0'" to load this file. \quit

-- Every change to installed objects between 1.0.0 and 1.1.0, in the order
-- they were made. The outbox and the audit trail are altered in place, never
-- recreated: pending and failed events survive the update.

-- capture: least privilege on the trigger path (issue #10). Only roles the
-- DBA grants EXECUTE may attach trigger_booking_event_webhook(); triggers
-- already attached keep firing for every role, as before.
REVOKE ALL ON FUNCTION @extschema@.trigger_booking_event_webhook() FROM PUBLIC;
