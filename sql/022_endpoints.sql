-- Endpoints, the DBA's side (issue #11): the admin functions and their bad
-- input, the views, the operations per endpoint, least-privilege roles with
-- the extension in schema hooks, and the attacks of a role that may only
-- connect and create temporary objects. Endpoints are made and looked at
-- inside transactions that roll back, so that the delivery worker of the
-- regression server never sees (or sends to) them.
CREATE SCHEMA hooks;
CREATE EXTENSION booking_events SCHEMA hooks;
\i test/sql/error_of.sql
\i test/sql/worker_running.sql
GRANT EXECUTE ON FUNCTION error_of(text) TO PUBLIC;
CREATE ROLE be_admin;
CREATE ROLE be_monitor;
CREATE ROLE be_outsider;
SELECT count(*) > 0 AS granted FROM hooks.booking_events_grant('be_admin', 'admin');
SELECT count(*) > 0 AS granted FROM hooks.booking_events_grant('be_monitor', 'monitor');

-- Bad input: 22023 for a bad value, 22004 for a NULL, 42704 for an unknown
-- endpoint; `default` is the settings' and says so.
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm system', 'https://h.example/x')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('', 'https://h.example/x')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'ftp://h.example/x')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', '')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', '{}')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', '{booking.*.x}')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', '{*}', -1)$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', '{*}', 'NaN')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', '{*}', NULL, 1001)$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', '{*}', NULL, 0)$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', signing_secret => 'whsec_!!')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set(NULL, 'https://h.example/x')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', NULL)$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', NULL)$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', '{*,NULL}')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', batch_max => NULL)$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('default', 'https://h.example/x')$$);
DO $$
BEGIN
    PERFORM hooks.webhook_endpoint_set('default', 'https://h.example/x');
EXCEPTION WHEN invalid_parameter_value THEN
    RAISE NOTICE 'hint: %', (SELECT 'set booking_events.webhook_url' WHERE SQLERRM IS NOT NULL);
END $$;
SELECT error_of($$SELECT hooks.webhook_endpoint_remove('default')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_remove('nope')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_remove(NULL)$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_pause('nope')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_resume('nope')$$);
SELECT error_of($$SELECT hooks.retry_failed_webhooks(3, 'nope')$$);
SELECT error_of($$SELECT * FROM hooks.test_webhook('nope')$$);
SELECT error_of($$SELECT * FROM hooks.test_webhook(NULL)$$);
SELECT error_of($$SELECT * FROM hooks.validate_webhook_config('nope')$$);
-- A refused URL is not echoed: its path may be a credential.
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/tok en-secret-path')$$)
       LIKE '%secret-path%' AS url_echoed;
-- Nothing was written.
SELECT name FROM hooks.webhook_endpoints ORDER BY name;

BEGIN;
-- Upsert: created, then changed in place; patterns keep their order
-- without duplicates; secrets stored, never shown by the view.
SELECT hooks.webhook_endpoint_set('crm', 'https://hook.eu1.make.com/crm-token-1234',
                                  '{booking.*, booking.*, refund.issued}', 2.5, 10,
                                  'crm-api-key-5678', 'whsec_c2VjcmV0LWJ5dGVzLWZvci1jcm0=');
SELECT hooks.webhook_endpoint_set('audit', 'http://127.0.0.1:1/audit-path');
SELECT name, url, event_types, max_per_second, batch_max, api_key IS NOT NULL AS has_key,
       signing_secret IS NOT NULL AS has_secret, paused
FROM hooks.webhook_endpoints ORDER BY name;
SELECT hooks.webhook_endpoint_set('crm', 'https://hook.eu1.make.com/crm-token-1234',
                                  event_types => '{booking.cancelled}');
SELECT name, event_types, max_per_second, batch_max, api_key IS NULL AS key_cleared
FROM hooks.webhook_endpoints WHERE name = 'crm';
SELECT name, url_origin, event_types, state, pending, consecutive_failures
FROM hooks.webhook_endpoints_status ORDER BY name;
SELECT count(*) AS secret_columns FROM information_schema.columns
WHERE table_schema = 'hooks' AND table_name IN ('webhook_endpoints_status', 'webhook_stats_by_endpoint')
  AND column_name IN ('url', 'api_key', 'signing_secret');

-- Pause and resume: the view says paused since when; `default` too.
SELECT hooks.webhook_endpoint_pause('crm');
SELECT hooks.webhook_endpoint_pause('default');
SELECT name, state, state_since IS NOT NULL AS has_since FROM hooks.webhook_endpoints_status ORDER BY name;
SELECT hooks.webhook_endpoint_resume('default');
SELECT name, state FROM hooks.webhook_endpoints_status ORDER BY name;

-- The worker's state shows through: open circuit, Retry-After pause (one
-- that has run out reads active). `default`'s row may be there already: the
-- worker writes it at its first look at the extension.
INSERT INTO hooks.webhook_endpoint_state (name, state, state_since, consecutive_failures, last_error)
VALUES ('audit', 'open', now() - interval '5 minutes', 20, 'HTTP 503');
SELECT name, state, consecutive_failures, last_error FROM hooks.webhook_endpoints_status ORDER BY name;
INSERT INTO hooks.webhook_endpoint_state (name, state, paused_until)
VALUES ('default', 'paused', now() - interval '1 second')
ON CONFLICT (name) DO UPDATE SET state = excluded.state, paused_until = excluded.paused_until;
SELECT name, state FROM hooks.webhook_endpoints_status WHERE name = 'default';

-- webhook_health(): one reason per endpoint not active.
SELECT regexp_replace(reason, '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', '<time>') AS reason
FROM jsonb_array_elements_text(hooks.webhook_health()->'reasons') AS reason
WHERE reason LIKE 'endpoint %' ORDER BY reason COLLATE "C";
UPDATE hooks.webhook_endpoint_state SET paused_until = now() + interval '1 hour' WHERE name = 'default';
SELECT count(*) AS retry_after_reasons
FROM jsonb_array_elements_text(hooks.webhook_health()->'reasons') AS reason
WHERE reason LIKE 'endpoint "default": paused by the receiver (Retry-After) until %';
SELECT worker_running_within('hooks.webhook_health', 60) AS worker_running;
SELECT hooks.webhook_health()->>'status' AS status;

-- Deliveries: crm has a pending, a delivered and a failed one; the events'
-- outbox rows summarise them.
INSERT INTO hooks.webhook_outbox (id, event_id, event_type, booking_id, payload, status)
OVERRIDING SYSTEM VALUE
VALUES (101, gen_random_uuid(), 'booking.cancelled', 'b1', '{}', 'pending'),
       (102, gen_random_uuid(), 'booking.cancelled', 'b2', '{}', 'pending'),
       (103, gen_random_uuid(), 'booking.cancelled', 'b3', '{}', 'failed');
INSERT INTO hooks.webhook_deliveries (outbox_id, endpoint, booking_id, status, attempts, last_error)
VALUES (101, 'crm', 'b1', 'pending', 1, 'HTTP 503'),
       (101, 'audit', 'b1', 'delivered', 1, NULL),
       (102, 'crm', 'b2', 'delivered', 1, NULL),
       (103, 'crm', 'b3', 'failed', 8, 'HTTP 410'),
       (103, 'audit', 'b3', 'failed', 8, 'HTTP 500');
SELECT hooks.booking_events_settle_events('{101, 102, 103}') AS settled;
SELECT id, status, attempts, last_error FROM hooks.webhook_outbox ORDER BY id;
-- README's repair query (Upgrading to 1.4.0), as the extension's owner:
-- 101's row, written wrong here, is settled again; 102's (a single delivery,
-- which the old race could not leave wrong) is not read. 102 is put back.
UPDATE hooks.webhook_outbox SET status = 'failed', attempts = 0 WHERE id IN (101, 102);
SELECT hooks.booking_events_settle_events(array_agg(o.id))
FROM hooks.webhook_outbox o
WHERE o.status IN ('pending', 'failed')
  AND (SELECT count(*) FROM hooks.webhook_deliveries d WHERE d.outbox_id = o.id) > 1;
SELECT id, status, attempts, last_error FROM hooks.webhook_outbox ORDER BY id;
UPDATE hooks.webhook_outbox SET status = 'delivered', attempts = 1 WHERE id = 102;
-- Attempts of the last 24 hours, test_webhook()'s left out.
INSERT INTO hooks.webhook_logs (event_id, event_type, attempt, status, http_status, response_time_ms,
                                endpoint, is_test, created_at)
VALUES (gen_random_uuid(), 'booking.cancelled', 1, 'success', 200, 10, 'crm', false, now()),
       (gen_random_uuid(), 'booking.cancelled', 1, 'failed', 503, 30, 'crm', false, now()),
       (gen_random_uuid(), 'booking.cancelled', 1, 'success', 200, 20, 'audit', false, now()),
       (gen_random_uuid(), 'booking.cancelled', 1, 'success', 200, 999, 'audit', false,
        now() - interval '2 days'),
       (gen_random_uuid(), 'webhook.test', 1, 'failed', 500, 99, 'audit', true, now());
SELECT endpoint, pending, delivered, failed, total_attempts, failed_attempts, success_rate,
       avg_response_ms, oldest_pending_at IS NOT NULL AS has_oldest
FROM hooks.webhook_stats_by_endpoint;
SELECT name, pending FROM hooks.webhook_endpoints_status ORDER BY name;

-- retry_failed_webhooks per endpoint: a fresh budget per delivery, the
-- event settled.
SELECT hooks.retry_failed_webhooks(3, 'crm') AS requeued_crm;
SELECT outbox_id, endpoint, status, manual_retries, attempts_before_retry
FROM hooks.webhook_deliveries ORDER BY outbox_id, endpoint;
SELECT id, status, manual_retries FROM hooks.webhook_outbox ORDER BY id;
SELECT hooks.retry_failed_webhooks() AS requeued_all;

-- Remove: crm's pending deliveries end failed ("endpoint removed"), the
-- delivered one stays, the state row and the endpoint go; retrying leaves
-- a removed endpoint's deliveries alone.
INSERT INTO hooks.webhook_endpoint_state (name, state) VALUES ('crm', 'half_open');
SELECT hooks.webhook_endpoint_remove('crm') AS failed_by_removal;
SELECT outbox_id, endpoint, status, last_error FROM hooks.webhook_deliveries
WHERE endpoint = 'crm' ORDER BY outbox_id;
SELECT id, status, last_error FROM hooks.webhook_outbox ORDER BY id;
SELECT count(*) AS crm_rows FROM hooks.webhook_endpoints WHERE name = 'crm';
SELECT count(*) AS crm_state_rows FROM hooks.webhook_endpoint_state WHERE name = 'crm';
SELECT hooks.retry_failed_webhooks(10) AS requeued_after_removal;
SELECT endpoint, pending, delivered, failed FROM hooks.webhook_stats_by_endpoint;

-- validate_webhook_config: one endpoint or all; a bad stored value is an
-- error, a paused endpoint a warning; secrets are never quoted.
UPDATE hooks.webhook_endpoints SET url = 'https://h.example/a b' WHERE name = 'audit';
SELECT hooks.webhook_endpoint_pause('audit');
SELECT is_valid, errors, warnings FROM hooks.validate_webhook_config('audit');
SELECT is_valid, cardinality(errors) AS errors FROM hooks.validate_webhook_config();

-- test_webhook to a named endpoint: its own URL (nothing listens on port
-- 1), logged with the endpoint and marked as a test.
UPDATE hooks.webhook_endpoints SET url = 'http://127.0.0.1:1/audit-path' WHERE name = 'audit';
SELECT success, status_code, error IS NOT NULL AS has_error FROM hooks.test_webhook('audit');
SELECT endpoint, event_type, is_test, status FROM hooks.webhook_logs
WHERE event_type = 'webhook.test' ORDER BY id DESC LIMIT 1;
ROLLBACK;

-- cleanup_webhook_logs deletes the deliveries of the events it deletes.
BEGIN;
INSERT INTO hooks.webhook_outbox (id, event_id, event_type, booking_id, payload, status, delivered_at)
OVERRIDING SYSTEM VALUE
VALUES (201, gen_random_uuid(), 'x', 'b1', '{}', 'delivered', now() - interval '40 days'),
       (202, gen_random_uuid(), 'x', 'b2', '{}', 'delivered', now());
INSERT INTO hooks.webhook_deliveries (outbox_id, endpoint, status)
VALUES (201, 'default', 'delivered'), (202, 'default', 'delivered');
SELECT hooks.cleanup_webhook_logs(30);
SELECT outbox_id FROM hooks.webhook_deliveries ORDER BY outbox_id;
ROLLBACK;

-- booking_events_adopt(false): the copied events' pending deliveries end
-- failed too, so the worker sends none of them.
BEGIN;
INSERT INTO hooks.webhook_outbox (id, event_id, event_type, booking_id, payload, status, origin)
OVERRIDING SYSTEM VALUE
VALUES (301, gen_random_uuid(), 'x', 'b1', '{}', 'pending', 'another/1');
INSERT INTO hooks.webhook_deliveries (outbox_id, endpoint) VALUES (301, 'default');
SELECT hooks.booking_events_adopt(false);
SELECT outbox_id, status, last_error FROM hooks.webhook_deliveries WHERE outbox_id = 301;
SELECT status, last_error FROM hooks.webhook_outbox WHERE id = 301;
ROLLBACK;

-- Least privilege. admin manages endpoints through the functions, passing
-- secrets in but never reading them back; monitor sees the views; neither
-- reads webhook_endpoints.
BEGIN;
SET LOCAL ROLE be_admin;
SELECT hooks.webhook_endpoint_set('make', 'https://hook.eu1.make.com/make-token',
                                  api_key => 'admin-api-key-1');
SELECT hooks.webhook_endpoint_pause('make');
SELECT hooks.webhook_endpoint_resume('make');
-- Not `default`: its state is the worker's, written by the worker's first
-- look at this database, which a first test (REGRESS=022_endpoints) may meet.
SELECT name, url_origin, state FROM hooks.webhook_endpoints_status WHERE name <> 'default'
ORDER BY name;
SELECT count(*) AS delivery_rows FROM hooks.webhook_deliveries;
SELECT is_valid IS NOT NULL AS validated FROM hooks.validate_webhook_config('make');
SELECT error_of('SELECT api_key FROM hooks.webhook_endpoints');
SELECT error_of('SELECT count(*) FROM hooks.webhook_endpoint_state');
SELECT hooks.webhook_endpoint_remove('make');
SELECT error_of($$SELECT hooks.booking_events_grant('be_admin', 'monitor')$$);
RESET ROLE;
SELECT hooks.webhook_endpoint_set('make', 'https://hook.eu1.make.com/make-token');
SET LOCAL ROLE be_monitor;
SELECT name, url_origin FROM hooks.webhook_endpoints_status ORDER BY name;
SELECT endpoint FROM hooks.webhook_stats_by_endpoint ORDER BY endpoint;
SELECT error_of('SELECT url FROM hooks.webhook_endpoints');
SELECT error_of($$SELECT hooks.webhook_endpoint_set('evil', 'https://evil.example/')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_pause('make')$$);
SELECT error_of('SELECT count(*) FROM hooks.webhook_deliveries');
SET LOCAL ROLE be_outsider;
SELECT error_of($$SELECT hooks.webhook_endpoint_set('evil', 'https://evil.example/')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_remove('make')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_pause('make')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_resume('make')$$);
SELECT error_of('SELECT * FROM hooks.webhook_endpoints_status');
SELECT error_of('SELECT * FROM hooks.webhook_stats_by_endpoint');
SELECT error_of($$SELECT hooks.booking_events_endpoint_origin(NULL)$$);
RESET ROLE;
ROLLBACK;

-- Attacks of a role that may connect and create temporary objects (and,
-- here, was made admin): temporary tables named like the extension's,
-- pg_temp first in its search_path, and its own "=" for text first in it
-- too. The functions still write the real tables, and run none of its code.
CREATE SCHEMA hijack AUTHORIZATION be_admin;
SET ROLE be_admin;
CREATE TABLE hijack.calls (who text);
CREATE FUNCTION hijack.text_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hijack.calls VALUES (current_user);
    RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR hijack.= (LEFTARG = text, RIGHTARG = text, FUNCTION = hijack.text_eq);
CREATE TEMP TABLE webhook_endpoints (name text PRIMARY KEY, url text, event_types text[],
                                     max_per_second real, batch_max int, api_key text,
                                     signing_secret text, paused boolean,
                                     created_at timestamptz, updated_at timestamptz,
                                     paused_at timestamptz);
CREATE TEMP TABLE webhook_deliveries (outbox_id bigint, endpoint text, status text);
CREATE TEMP TABLE webhook_endpoint_state (name text, state text);
SET search_path = pg_temp, hijack, hooks, pg_catalog;
BEGIN;
SELECT webhook_endpoint_set('shadow', 'https://shadow.example/x');
SELECT webhook_endpoint_pause('shadow');
SELECT webhook_endpoint_resume('shadow');
SELECT webhook_endpoint_remove('shadow');
SELECT retry_failed_webhooks(3, 'default');
SELECT is_valid IS NOT NULL AS validated FROM validate_webhook_config('default');
SELECT name FROM webhook_endpoints_status ORDER BY name;
COMMIT;
RESET search_path;
SELECT count(*) AS temp_rows FROM pg_temp.webhook_endpoints;
SELECT count(*) AS hijacked_calls FROM hijack.calls;
DROP TABLE pg_temp.webhook_endpoints, pg_temp.webhook_deliveries, pg_temp.webhook_endpoint_state;
RESET ROLE;
SELECT count(*) AS shadow_left FROM hooks.webhook_endpoints WHERE name = 'shadow';
DROP SCHEMA hijack CASCADE;

-- Every endpoint object is in a purpose, and none is PUBLIC's.
SELECT o AS object, has_function_privilege('be_outsider', o, 'EXECUTE') AS outsider_may_execute
FROM unnest(ARRAY['hooks.webhook_endpoint_set(text, text, text[], real, int, text, text)',
                  'hooks.webhook_endpoint_remove(text)', 'hooks.webhook_endpoint_pause(text)',
                  'hooks.webhook_endpoint_resume(text)', 'hooks.retry_failed_webhooks(int, text)',
                  'hooks.test_webhook(text)', 'hooks.validate_webhook_config(text)',
                  'hooks.booking_events_endpoint_origin(text)',
                  'hooks.booking_events_lock_endpoint(text, text)']) AS o;
SELECT t AS relation, has_table_privilege('be_outsider', t, 'SELECT') AS outsider_may_read,
       has_table_privilege('be_monitor', t, 'SELECT') AS monitor_may_read,
       has_table_privilege('be_admin', t, 'SELECT') AS admin_may_read
FROM unnest(ARRAY['hooks.webhook_endpoints', 'hooks.webhook_deliveries',
                  'hooks.webhook_endpoint_state', 'hooks.webhook_endpoints_status',
                  'hooks.webhook_stats_by_endpoint']) AS t;
-- Calls that name no endpoint still resolve (no ambiguous overloads).
SELECT hooks.retry_failed_webhooks() AS requeued;
SELECT is_valid IS NOT NULL AS validated FROM hooks.validate_webhook_config();
SELECT count(*) AS endpoint_functions FROM pg_proc
WHERE pronamespace = 'hooks'::regnamespace
  AND proname IN ('retry_failed_webhooks', 'test_webhook', 'validate_webhook_config');
-- The contract's Endpoints signatures, argument names and defaults included
-- (named notation depends on them), the status view's columns in order, and
-- the breaker settings.
SELECT p.proname, pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result
FROM pg_proc p
WHERE p.pronamespace = 'hooks'::regnamespace AND p.proname LIKE 'webhook\_endpoint\_%'
ORDER BY 1, 2;
SELECT string_agg(attname, ', ' ORDER BY attnum) AS webhook_endpoints_status_columns
FROM pg_attribute
WHERE attrelid = 'hooks.webhook_endpoints_status'::regclass AND attnum > 0 AND NOT attisdropped;
SELECT name, vartype, boot_val, context FROM pg_settings
WHERE name IN ('booking_events.breaker_failures', 'booking_events.breaker_probe_ms') ORDER BY 1;

DROP EXTENSION booking_events;
DROP SCHEMA hooks;

-- ALTER EXTENSION UPDATE from 1.1.0: the roles a DBA made admin and
-- monitor keep their purposes, with the endpoint objects, and their calls
-- without arguments still work.
CREATE SCHEMA hooks;
CREATE EXTENSION booking_events SCHEMA hooks VERSION '1.1.0';
CREATE ROLE be_old_admin;
CREATE ROLE be_old_monitor;
SELECT count(*) > 0 AS granted FROM hooks.booking_events_grant('be_old_admin', 'admin');
SELECT count(*) > 0 AS granted FROM hooks.booking_events_grant('be_old_monitor', 'monitor');
GRANT EXECUTE ON FUNCTION hooks.test_webhook() TO be_outsider;
INSERT INTO hooks.webhook_outbox (event_id, event_type, booking_id, payload, status, manual_retries)
VALUES (gen_random_uuid(), 'old.failed', 'b1', '{}', 'failed', 0);
ALTER EXTENSION booking_events UPDATE TO '1.2.0';
SET ROLE be_old_admin;
SELECT hooks.retry_failed_webhooks() AS requeued;
SELECT endpoint, status, manual_retries FROM hooks.webhook_deliveries;
SELECT name, state FROM hooks.webhook_endpoints_status;
SELECT is_valid IS NOT NULL AS validated FROM hooks.validate_webhook_config();
BEGIN;
SELECT hooks.webhook_endpoint_set('crm', 'https://hook.eu1.make.com/x');
ROLLBACK;
SET ROLE be_old_monitor;
SELECT endpoint FROM hooks.webhook_stats_by_endpoint;
SELECT name FROM hooks.webhook_endpoints_status;
SELECT error_of('SELECT hooks.retry_failed_webhooks()');
RESET ROLE;
SELECT has_function_privilege('be_outsider', 'hooks.test_webhook(text)', 'EXECUTE') AS carried_grant,
       has_function_privilege('be_outsider', 'hooks.webhook_endpoint_set(text, text, text[], real, int, text, text)',
                              'EXECUTE') AS outsider_got_more;
-- Revoking admin takes the endpoint functions away again.
SELECT count(*) > 0 AS revoked FROM hooks.booking_events_revoke('be_old_admin', 'admin');
SELECT has_function_privilege('be_old_admin', 'hooks.webhook_endpoint_remove(text)', 'EXECUTE')
    AS still_removes;
-- The trigger's writes (issue #12: one plain INSERT per row, no CTE): a row
-- without booking_id routed to two endpoints gives one outbox row and one
-- delivery per endpoint, booking_id NULL in each; an event no endpoint wants
-- is delivered at once, with the reason and no delivery row.
ALTER EXTENSION booking_events UPDATE;
BEGIN;
SELECT hooks.webhook_endpoint_set('crm', 'https://hook.eu1.make.com/x', '{notes.inserted}');
SELECT hooks.webhook_endpoint_set('audit', 'https://hook.eu1.make.com/y', '{notes.*}');
CREATE TABLE notes (id int PRIMARY KEY, body text);
CREATE TRIGGER notes_webhook AFTER INSERT OR DELETE ON notes
    FOR EACH ROW EXECUTE FUNCTION hooks.trigger_booking_event_webhook();
INSERT INTO notes VALUES (1, 'hello');
SELECT o.event_type, o.booking_id IS NULL AS no_booking, o.status, d.endpoint,
       d.booking_id IS NULL AS delivery_no_booking, d.status AS delivery_status
FROM hooks.webhook_outbox o JOIN hooks.webhook_deliveries d ON d.outbox_id = o.id
WHERE o.event_type LIKE 'notes.%' ORDER BY d.endpoint;
SELECT hooks.webhook_endpoint_set('audit', 'https://hook.eu1.make.com/y', '{booking.*}');
DELETE FROM notes;
SELECT o.event_type, o.status, o.delivered_at IS NOT NULL AS delivered_at_set, o.last_error,
       (SELECT count(*) FROM hooks.webhook_deliveries d WHERE d.outbox_id = o.id) AS deliveries
FROM hooks.webhook_outbox o WHERE o.event_type = 'notes.deleted';
ROLLBACK;
DROP EXTENSION booking_events;
DROP SCHEMA hooks;
DROP ROLE be_admin, be_monitor, be_outsider, be_old_admin, be_old_monitor;
DROP FUNCTION error_of(text), worker_running_within(regproc, int);
