-- The extension's objects, where they live and who may use them.
CREATE EXTENSION booking_events;

SELECT extversion, extrelocatable FROM pg_extension WHERE extname = 'booking_events';

-- Tables of the contract, with their columns.
SELECT table_name, column_name, data_type, is_nullable
FROM information_schema.columns
WHERE table_name IN ('webhook_outbox', 'webhook_logs')
ORDER BY table_name, ordinal_position;

-- A durable outbox: WAL-logged, never UNLOGGED.
SELECT relname, relpersistence FROM pg_class
WHERE relname IN ('webhook_outbox', 'webhook_logs') ORDER BY relname;

-- The indexes the worker's claim and the cleanup rely on.
SELECT indexname, indexdef FROM pg_indexes
WHERE tablename IN ('webhook_outbox', 'webhook_logs') ORDER BY indexname;

SELECT column_name FROM information_schema.columns
WHERE table_name = 'webhook_stats' ORDER BY ordinal_position;

-- Functions and their signatures.
SELECT p.oid::regprocedure AS function, p.prorettype::regtype AS returns,
       p.prosecdef AS security_definer, p.proconfig AS settings
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'booking_events'
ORDER BY p.proname;

-- Administration is not for PUBLIC, nor is attaching the trigger function.
CREATE ROLE booking_outsider;
SELECT f AS function, has_function_privilege('booking_outsider', f, 'EXECUTE') AS outsider_may_execute
FROM unnest(ARRAY['trigger_booking_event_webhook()', 'retry_failed_webhooks(int,text)',
                  'cleanup_webhook_logs(int)', 'manually_trigger_webhook(text,text)',
                  'booking_events_wake_worker()', 'booking_events_worker_status()',
                  'webhook_health()', 'validate_webhook_config(text)', 'test_webhook(text)',
                  'webhook_endpoint_set(text,text,text[],real,int,text,text)',
                  'webhook_endpoint_remove(text)', 'webhook_endpoint_pause(text)',
                  'webhook_endpoint_resume(text)', 'booking_events_endpoint_origin(text)']) AS f;
SELECT t AS relation, has_table_privilege('booking_outsider', t, 'SELECT') AS outsider_may_read
FROM unnest(ARRAY['webhook_outbox', 'webhook_logs', 'webhook_stats', 'webhook_endpoints',
                  'webhook_deliveries', 'webhook_endpoint_state', 'webhook_endpoints_status',
                  'webhook_stats_by_endpoint']) AS t;
DROP ROLE booking_outsider;

-- An empty queue gives a zero row of statistics, not an error.
SELECT total_events, pending, delivered, failed, total_attempts, success_rate FROM webhook_stats;

-- Objects go into the schema chosen at CREATE EXTENSION.
DROP EXTENSION booking_events;
CREATE SCHEMA hooks;
CREATE EXTENSION booking_events SCHEMA hooks;
SELECT c.relname, n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname IN ('webhook_outbox', 'webhook_logs', 'webhook_stats') ORDER BY 1;
DROP EXTENSION booking_events;
DROP SCHEMA hooks;
