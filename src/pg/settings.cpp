#include "pg/settings.hpp"

#include <optional>
#include <string>

#include "core/setting_defaults.hpp"
#include "core/signature.hpp"
#include "core/webhook_request.hpp"
#include "core/webhook_url.hpp"
#include "pg/enrichment_tables.hpp"
#include "pg/log_redaction.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

char *setting_database_name = nullptr;
char *setting_webhook_url = nullptr;
char *setting_api_key = nullptr;
char *setting_signing_secret = nullptr;
int setting_max_attempts = setting_defaults::kMaxAttempts.default_value;
int setting_backoff_base_ms = setting_defaults::kBackoffBaseMs.default_value;
int setting_backoff_max_ms = setting_defaults::kBackoffMaxMs.default_value;
int setting_request_timeout_ms = setting_defaults::kRequestTimeoutMs.default_value;
int setting_max_concurrency = setting_defaults::kMaxConcurrency.default_value;
int setting_batch_size = setting_defaults::kBatchSize.default_value;
int setting_log_retention_days = setting_defaults::kLogRetentionDays.default_value;
int setting_breaker_failures = setting_defaults::kBreakerFailures.default_value;
int setting_breaker_probe_ms = setting_defaults::kBreakerProbeMs.default_value;
char *setting_environment = nullptr;
char *setting_source = nullptr;
bool setting_notify = true;
bool setting_notify_full_payload = false;
char *setting_bookings_table = nullptr;
char *setting_profiles_table = nullptr;
char *setting_ca_file = nullptr;
bool setting_paused = false;
bool setting_recorder = true;

namespace {

// Check hooks run inside the GUC machinery: they report through
// GUC_check_errdetail and return false, and must not throw. The C++ they call
// is wrapped so that no exception can escape.
template <typename Check>
bool checked(Check &&check) {
    try {
        return check();
    } catch (...) {
        GUC_check_errdetail("booking_events could not check this value.");
        return false;
    }
}

// Every check of a secret setting goes through here: the value is one the log
// must not show from now on, and a rejection must not print it either
// (PostgreSQL's default message is `invalid value for parameter "x": "v"`).
template <typename Check>
bool check_secret(const char *setting, const char *value, Check &&check) {
    remember_secret_value(setting, value);
    const bool valid = checked(check);
    if (!valid) GUC_check_errmsg("invalid value for parameter \"%s\"", setting);
    return valid;
}

bool check_webhook_url(char **newval, void **, GucSource) {
    return check_secret("booking_events.webhook_url", *newval, [&] {
        if (*newval == nullptr) return true;
        std::optional<std::string> problem = webhook_url_problem(*newval);
        if (!problem) return true;
        // The rejected value may hold a secret: only the reason is reported.
        GUC_check_errdetail("%s.", problem->c_str());
        return false;
    });
}

// No database is named '': the worker would wait for it forever. Refused
// where a DBA sets it (ALTER SYSTEM, a backend), not at server start, where
// refusing would keep the whole server down; webhook_health() and
// validate_webhook_config() name it there.
bool check_database_name(char **newval, void **, GucSource) {
    if (*newval == nullptr || (*newval)[0] != '\0' || !IsUnderPostmaster) return true;
    GUC_check_errdetail("The worker would serve no database.");
    GUC_check_errhint(
        "Name the database whose events it delivers, or RESET it (the default is postgres).");
    return false;
}

// A value that goes into an HTTP header line: no line breaks or other control
// characters, which would let it add headers of its own.
bool check_api_key(char **newval, void **, GucSource) {
    return check_secret("booking_events.api_key", *newval, [&] {
        if (*newval == nullptr || is_safe_header_value(*newval)) return true;
        GUC_check_errdetail("The value must not contain control characters.");
        return false;
    });
}

bool check_signing_secret(char **newval, void **, GucSource) {
    return check_secret("booking_events.signing_secret", *newval, [&] {
        if (*newval == nullptr) return true;
        for (const std::string &secret : split_secrets(*newval)) {
            if (!signing_key_from_secret(secret)) {
                GUC_check_errdetail(
                    "A secret that starts with \"whsec_\" must be followed by valid base64.");
                return false;
            }
        }
        return true;
    });
}

// A table name that is a valid, optionally schema-qualified identifier,
// naming a table the enrichment may read (see enrichment_tables.hpp).
bool check_table_name(const char *setting_name, char **newval, GucSource source) {
    if (*newval == nullptr || (*newval)[0] == '\0') return true;
    char *copy = pstrdup(*newval);
    List *names = NIL;
    const bool valid = SplitIdentifierString(copy, '.', &names) && list_length(names) >= 1 &&
                       list_length(names) <= 2;
    list_free(names);
    pfree(copy);
    if (!valid) GUC_check_errdetail("Use a table name, optionally qualified with its schema.");
    return valid && check_enrichment_table_setting(setting_name, *newval, source);
}

bool check_bookings_table(char **newval, void **, GucSource source) {
    return check_table_name("booking_events.bookings_table", newval, source);
}

bool check_profiles_table(char **newval, void **, GucSource source) {
    return check_table_name("booking_events.profiles_table", newval, source);
}

}  // namespace

void define_settings() {
    using namespace setting_defaults;
    // Read at server start by the launcher. PostgreSQL refuses to create a
    // PGC_POSTMASTER setting after start, which is when a backend loads the
    // library without shared_preload_libraries: there no worker runs and the
    // value is only shown, so it is then an ordinary reloadable setting.
    DefineCustomStringVariable(
        "booking_events.database_name", "Database the delivery worker serves.", nullptr,
        &setting_database_name, "postgres",
        process_shared_preload_libraries_in_progress ? PGC_POSTMASTER : PGC_SIGHUP, 0,
        check_database_name, nullptr, nullptr);
    DefineCustomStringVariable("booking_events.webhook_url",
                               "Webhook URL events are POSTed to; empty pauses delivery.", nullptr,
                               &setting_webhook_url, "", PGC_SIGHUP, GUC_SUPERUSER_ONLY,
                               check_webhook_url, nullptr, nullptr);
    DefineCustomStringVariable(
        "booking_events.api_key", "Sent as the x-make-apikey header (Make.com webhook API key).",
        nullptr, &setting_api_key, "", PGC_SIGHUP, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL,
        check_api_key, nullptr, nullptr);
    DefineCustomStringVariable(
        "booking_events.signing_secret",
        "Standard Webhooks signing secret(s): whsec_<base64> or raw; several separated by spaces "
        "sign with each (rotation).",
        nullptr, &setting_signing_secret, "", PGC_SIGHUP, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL,
        check_signing_secret, nullptr, nullptr);
    DefineCustomIntVariable("booking_events.max_attempts",
                            "Automatic delivery attempts before an event is marked failed.",
                            nullptr, &setting_max_attempts, kMaxAttempts.default_value,
                            kMaxAttempts.min, kMaxAttempts.max, PGC_SIGHUP, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("booking_events.backoff_base_ms", "Delay before the first retry.",
                            nullptr, &setting_backoff_base_ms, kBackoffBaseMs.default_value,
                            kBackoffBaseMs.min, kBackoffBaseMs.max, PGC_SIGHUP, GUC_UNIT_MS,
                            nullptr, nullptr, nullptr);
    DefineCustomIntVariable("booking_events.backoff_max_ms", "Longest delay between two attempts.",
                            nullptr, &setting_backoff_max_ms, kBackoffMaxMs.default_value,
                            kBackoffMaxMs.min, kBackoffMaxMs.max, PGC_SIGHUP, GUC_UNIT_MS, nullptr,
                            nullptr, nullptr);
    DefineCustomIntVariable(
        "booking_events.request_timeout_ms", "Timeout of one whole webhook request.", nullptr,
        &setting_request_timeout_ms, kRequestTimeoutMs.default_value, kRequestTimeoutMs.min,
        kRequestTimeoutMs.max, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("booking_events.max_concurrency", "Webhook requests in flight at once.",
                            nullptr, &setting_max_concurrency, kMaxConcurrency.default_value,
                            kMaxConcurrency.min, kMaxConcurrency.max, PGC_SIGHUP, 0, nullptr,
                            nullptr, nullptr);
    DefineCustomIntVariable("booking_events.batch_size", "Outbox rows claimed per transaction.",
                            nullptr, &setting_batch_size, kBatchSize.default_value, kBatchSize.min,
                            kBatchSize.max, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "booking_events.log_retention_days",
        "Days webhook_logs rows and delivered events are kept; 0 keeps them forever.", nullptr,
        &setting_log_retention_days, kLogRetentionDays.default_value, kLogRetentionDays.min,
        kLogRetentionDays.max, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("booking_events.breaker_failures",
                            "Consecutive failed attempts that open an endpoint's circuit breaker.",
                            nullptr, &setting_breaker_failures, kBreakerFailures.default_value,
                            kBreakerFailures.min, kBreakerFailures.max, PGC_SIGHUP, 0, nullptr,
                            nullptr, nullptr);
    DefineCustomIntVariable("booking_events.breaker_probe_ms",
                            "Interval between probes of an endpoint whose breaker is open.",
                            nullptr, &setting_breaker_probe_ms, kBreakerProbeMs.default_value,
                            kBreakerProbeMs.min, kBreakerProbeMs.max, PGC_SIGHUP, GUC_UNIT_MS,
                            nullptr, nullptr, nullptr);
    DefineCustomStringVariable(
        "booking_events.environment", "system.environment in the event payload.", nullptr,
        &setting_environment, "production", PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    DefineCustomStringVariable("booking_events.source", "source in the event payload.", nullptr,
                               &setting_source, "contract-management-system", PGC_SIGHUP, 0,
                               nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("booking_events.notify",
                             "Publish real-time notifications of events on commit.", nullptr,
                             &setting_notify, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    // Every role that can connect may LISTEN on any channel: only a
    // superuser may decide that they all see the events' ids and texts.
    DefineCustomBoolVariable(
        "booking_events.notify_full_payload",
        "Notifications carry the event's ids and description instead of only its outbox id "
        "and type; every connected role can read them.",
        nullptr, &setting_notify_full_payload, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomStringVariable(
        "booking_events.bookings_table", "Table booking_details are looked up in.", nullptr,
        &setting_bookings_table, "bookings", PGC_SIGHUP, 0, check_bookings_table, nullptr, nullptr);
    DefineCustomStringVariable("booking_events.profiles_table",
                               "Table client_info and provider_info are looked up in.", nullptr,
                               &setting_profiles_table, "profiles", PGC_SIGHUP, 0,
                               check_profiles_table, nullptr, nullptr);
    DefineCustomStringVariable("booking_events.ca_file",
                               "CA bundle used to verify the receiver's TLS certificate; empty "
                               "uses the system's.",
                               nullptr, &setting_ca_file, "", PGC_SIGHUP, 0, nullptr, nullptr,
                               nullptr);
    // A pause that keeps the URL and the secrets where they are, so resuming
    // needs no credential pasted back.
    DefineCustomBoolVariable("booking_events.paused",
                             "Pause delivery: nothing is sent, events wait in the outbox.", nullptr,
                             &setting_paused, false, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    // A second process records the attempts while a backlog drains, so the
    // drain uses two cores (recorder_main.cpp); off: the worker alone.
    DefineCustomBoolVariable("booking_events.recorder",
                             "Record delivery attempts in a second background worker while a "
                             "backlog drains.",
                             nullptr, &setting_recorder, true, PGC_SIGHUP, 0, nullptr, nullptr,
                             nullptr);
    MarkGUCPrefixReserved("booking_events");
}

}  // namespace booking_events
