-- cleanup_webhook_logs(retention_days) with a huge but valid number of days
-- (a tired DBA's "keep everything": 100000000, or 2147483647) failed up to
-- 1.4.0 with 22008 "timestamp out of range" from inside the function, a
-- message that said nothing about the argument or what to do (dba10). Such a
-- retention keeps every row: since 1.5.0 the cutoff is then -infinity, and
-- the call deletes nothing and returns 0. 2000000 days still has a cutoff
-- (in 3450 BC): nothing is that old either.
CREATE EXTENSION booking_events;
INSERT INTO webhook_logs (event_id, event_type, attempt, status, created_at)
VALUES (gen_random_uuid(), 'booking.created', 1, 'success', now() - interval '400 days');
INSERT INTO webhook_outbox (event_id, event_type, booking_id, payload, status, delivered_at)
VALUES (gen_random_uuid(), 'booking.created', 'b1', '{}', 'delivered', now() - interval '400 days');
SELECT cleanup_webhook_logs(100000000) AS deleted_with_huge_days;
SELECT cleanup_webhook_logs(2147483647) AS deleted_with_max_int;
SELECT cleanup_webhook_logs(2000000) AS deleted_with_a_cutoff_in_3450_bc;
SELECT (SELECT count(*) FROM webhook_logs) AS logs_kept,
       (SELECT count(*) FROM webhook_outbox) AS events_kept;
SELECT cleanup_webhook_logs(365) AS deleted_older_than_a_year;
SELECT count(*) AS events_left FROM webhook_outbox;
DROP EXTENSION booking_events;
