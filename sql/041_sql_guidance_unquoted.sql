-- The messages the extension's SQL functions raise reach the client with
-- their guidance whole (1.5.0). The log redaction hides every quoted part
-- of the message of a sensitive statement (one that names a secret setting
-- or calls webhook_endpoint_set, or whose message does), and hides what the
-- statement passed wherever it appears; the client gets the same text. Up
-- to 1.4.0 webhook_endpoint_remove(default) said endpoint "***" cannot be
-- removed, with webhook_endpoint_pause('***') in its hint (its hint names
-- booking_events.webhook_url, so it is always sensitive), and the notice of
-- booking_events_grant(role, monitor) sent in one query string with
-- webhook_endpoint_set (a set-up script) ended at other roles'*** when
-- the server logged notices.
-- Endpoints are made inside transactions that roll back (the worker of the
-- regression server never sees them).
CREATE SCHEMA hooks;
CREATE EXTENSION booking_events SCHEMA hooks;
CREATE ROLE be_guide_admin;
CREATE ROLE be_guide_monitor;
CREATE ROLE be_guide_listener;
SELECT count(*) > 0 AS granted FROM hooks.booking_events_grant('be_guide_admin', 'admin');
\set SHOW_CONTEXT never

-- `default` is the settings' endpoint: the error says what to do instead.
SET ROLE be_guide_admin;
SELECT hooks.webhook_endpoint_remove('default');
SELECT hooks.webhook_endpoint_remove(name => 'default');
RESET ROLE;

-- A set-up script sent as one query string: every message of it is a
-- sensitive one. The notices keep their text; what the statement passed
-- (the role's name, the purpose) is hidden wherever it appears, as the API
-- key would be, so each purpose goes in a string of its own here. A notice
-- passes the redaction only when the server logs it too: log_min_messages
-- at notice or below.
SET log_min_messages = notice;
BEGIN;
SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/crm', api_key => 'k-041-never-shown') AS crm \;
SELECT count(*) > 0 AS granted FROM hooks.booking_events_grant('be_guide_monitor', 'monitor');
SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/crm', api_key => 'k-041-never-shown') AS crm \;
SELECT count(*) > 0 AS granted FROM hooks.booking_events_grant('be_guide_listener', 'listener');
SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/crm', api_key => 'k-041-never-shown') AS crm \;
SELECT count(*) > 0 AS granted FROM hooks.booking_events_grant('be_guide_admin', 'admin');
ROLLBACK;

-- An unknown endpoint in such a string: the name it quotes is the value
-- refused, hidden; the hint is whole.
BEGIN;
SELECT hooks.webhook_endpoint_set('crm', 'https://h.example/crm', api_key => 'k-041-never-shown') AS crm \;
SELECT hooks.webhook_endpoint_pause('nosuch');
ROLLBACK;

RESET log_min_messages;
\set SHOW_CONTEXT errors
SELECT count(*) > 0 AS revoked FROM hooks.booking_events_revoke('be_guide_admin', 'admin');
DROP ROLE be_guide_admin, be_guide_monitor, be_guide_listener;
DROP EXTENSION booking_events;
DROP SCHEMA hooks;
