-- An endpoint's api_key goes into a header line of every request to it
-- (sec10). webhook_endpoint_set() took one with a line break, so an admin
-- role could add headers of its own to the requests ("x-make-apikey: k",
-- then "X-Injected: 1"), which the booking_events.api_key setting has always
-- refused. It is refused now (22023), as any control character is; a key
-- stored before is not sent (unit test WebhookRequestTest).
CREATE SCHEMA hooks;
CREATE EXTENSION booking_events SCHEMA hooks;
\i test/sql/error_of.sql
GRANT EXECUTE ON FUNCTION error_of(text) TO PUBLIC;
CREATE ROLE be_header_admin;
SELECT count(*) > 0 AS granted FROM hooks.booking_events_grant('be_header_admin', 'admin');

-- Made inside a transaction that rolls back: the worker never sees them.
BEGIN;
SET ROLE be_header_admin;
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', api_key => E'k\r\nX-Injected: 1')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', api_key => E'k\nX-Injected: 1')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', api_key => E'k\tk')$$);
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', api_key => E'k\x7f')$$);
-- An ordinary key is taken.
SELECT error_of($$SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/x', api_key => 'k-123 456')$$);
RESET ROLE;
SELECT name, api_key FROM hooks.webhook_endpoints ORDER BY name;
ROLLBACK;

SELECT count(*) > 0 AS revoked FROM hooks.booking_events_revoke('be_header_admin', 'admin');
DROP ROLE be_header_admin;
DROP FUNCTION error_of(text);
DROP EXTENSION booking_events;
DROP SCHEMA hooks;
