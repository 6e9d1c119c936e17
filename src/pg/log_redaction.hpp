// The server-log side of secret redaction (see core/log_record_redaction.hpp).
#pragma once

#include "pg/postgres_headers.hpp"

namespace booking_events {

// Installs the emit_log_hook. Called from _PG_init, in every process that
// loads the library (the postmaster too when preloaded: it logs reloads).
void install_log_redaction();

// Called by the check hooks of secret settings with the value being set (or
// about to be rejected), which the log must not show from now on although
// it may never become the current value. Never throws, never ereports.
void remember_secret_value(const char *setting, const char *value);

// The same for an endpoint's URL, API key and signing secret (empty: none),
// hidden the way the settings of the same kind are.
void remember_endpoint_secrets(const char *url, const char *api_key, const char *signing_secret);

}  // namespace booking_events
