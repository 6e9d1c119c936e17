-- The booking_events.* settings: defaults, and bad values rejected with a
-- clear message by PostgreSQL's own machinery.
SELECT name, setting, context, vartype, min_val, max_val
FROM pg_settings WHERE name LIKE 'booking_events.%' ORDER BY name;

-- Reload-time settings cannot be changed in a session.
SET booking_events.webhook_url = 'https://hook.eu1.make.com/abc';
SET booking_events.max_attempts = 3;
-- The session-level switch can.
SET booking_events.notify = off;
RESET booking_events.notify;
-- A misspelt name under the extension's prefix is an error, not a silent no-op.
SET booking_events.webhook_ulr = 'https://example.com';

-- Bad values, checked as ALTER SYSTEM writes them.
ALTER SYSTEM SET booking_events.webhook_url = 'ftp://example.com/hook';
ALTER SYSTEM SET booking_events.webhook_url = 'example.com/hook';
ALTER SYSTEM SET booking_events.webhook_url = 'https://exa mple.com/hook';
ALTER SYSTEM SET booking_events.webhook_url = 'https://:443/hook';
ALTER SYSTEM SET booking_events.webhook_url = 'https://example.com:99999/hook';
ALTER SYSTEM SET booking_events.max_attempts = 0;
ALTER SYSTEM SET booking_events.max_attempts = 101;
ALTER SYSTEM SET booking_events.request_timeout_ms = -1;
ALTER SYSTEM SET booking_events.max_concurrency = 0;
ALTER SYSTEM SET booking_events.batch_size = 0;
ALTER SYSTEM SET booking_events.log_retention_days = -1;
ALTER SYSTEM SET booking_events.signing_secret = 'whsec_***not base64***';
ALTER SYSTEM SET booking_events.bookings_table = 'a.b.c.d';
ALTER SYSTEM SET booking_events.bookings_table = '"unterminated';
-- Good values are accepted (and taken back).
ALTER SYSTEM SET booking_events.webhook_url = 'https://user:pw@hook.eu1.make.com/abc?x=1';
ALTER SYSTEM SET booking_events.signing_secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
ALTER SYSTEM SET booking_events.bookings_table = 'app."Bookings"';
ALTER SYSTEM RESET booking_events.webhook_url;
ALTER SYSTEM RESET booking_events.signing_secret;
ALTER SYSTEM RESET booking_events.bookings_table;

-- Secrets are hidden from roles that may not read all settings.
CREATE ROLE booking_reader;
SET ROLE booking_reader;
SELECT name FROM pg_settings WHERE name IN ('booking_events.api_key', 'booking_events.signing_secret',
                                            'booking_events.webhook_url');
SHOW booking_events.api_key;
SHOW booking_events.webhook_url;
RESET ROLE;
DROP ROLE booking_reader;
