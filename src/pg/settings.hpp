// The booking_events.* settings (see the contract's table). The variables are
// written by PostgreSQL's GUC machinery; read them, never assign them.
#pragma once

namespace booking_events {

extern char *setting_database_name;
extern char *setting_webhook_url;
extern char *setting_api_key;
extern char *setting_signing_secret;
extern int setting_max_attempts;
extern int setting_backoff_base_ms;
extern int setting_backoff_max_ms;
extern int setting_request_timeout_ms;
extern int setting_max_concurrency;
extern int setting_batch_size;
extern int setting_log_retention_days;
extern int setting_breaker_failures;
extern int setting_breaker_probe_ms;
extern char *setting_environment;
extern char *setting_source;
extern bool setting_notify;
extern bool setting_notify_full_payload;
extern char *setting_bookings_table;
extern char *setting_profiles_table;
extern char *setting_ca_file;
extern bool setting_paused;
extern bool setting_recorder;

void define_settings();

}  // namespace booking_events
