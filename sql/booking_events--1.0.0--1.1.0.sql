-- booking_events 1.0.0 -> 1.1.0
\echo Use "ALTER EXTENSION booking_events UPDATE TO '1.1.0'" to load this file. \quit

-- Every change to installed objects between 1.0.0 and 1.1.0, in the order
-- they were made. The outbox and the audit trail are altered in place, never
-- recreated: pending and failed events survive the update.
