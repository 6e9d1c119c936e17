// What a DBA calls to see whether delivery works: the worker's status (for
// webhook_health()), validate_webhook_config() and test_webhook().
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/config_check.hpp"
#include "core/delivery_policy.hpp"
#include "core/endpoint_name.hpp"
#include "core/event_payload.hpp"
#include "core/http_driver.hpp"
#include "core/webhook_request.hpp"
#include "core/webhook_url.hpp"
#include "pg/boundary.hpp"
#include "pg/encoding.hpp"
#include "pg/endpoint_lookup.hpp"
#include "pg/enrichment_tables.hpp"
#include "pg/event_capture.hpp"
#include "pg/extension_catalog.hpp"
#include "pg/recorder_channel.hpp"
#include "pg/settings.hpp"
#include "pg/shared_state.hpp"
#include "pg/sql_values.hpp"
#include "pg/version.hpp"

namespace booking_events {

namespace {

std::string setting_text(const char *value) { return value ? value : ""; }

// PostgreSQL side: a timestamptz as ISO 8601 text, or JSON null.
nlohmann::json timestamp_json(TimestampTz value) {
    if (value == 0) return nullptr;
    return format_event_time(unix_ms(value));
}

Datum jsonb_from(const nlohmann::json &value) {
    const std::string text = value.dump();
    Datum result = (Datum)0;
    pg_call([&] { result = DirectFunctionCall1(jsonb_in, CStringGetDatum(text.c_str())); });
    return result;
}

Datum worker_status(FunctionCallInfo) {
    WorkerStatus status;
    RecorderStatus recorder;
    bool available = false;
    char *database = nullptr;
    char *holder_gid = nullptr;  // in UTF-8, like all of the JSON
    pg_call([&] {
        available = shared_state_available();
        status = read_worker_status();
        recorder = read_recorder_status();
        if (status.running && OidIsValid(status.database_oid))
            database = get_database_name(status.database_oid);
        holder_gid = server_to_utf8(pstrdup(status.xmin_holder_gid));
    });
    nlohmann::json result = {
        {"worker_loaded", available},
        {"worker_running", status.running},
        {"worker_pid", status.running ? nlohmann::json(status.pid) : nlohmann::json(nullptr)},
        {"worker_database", database ? nlohmann::json(database) : nlohmann::json(nullptr)},
        {"worker_started_at", status.running ? timestamp_json(status.started_at) : nullptr},
        {"worker_last_loop_at", status.running ? timestamp_json(status.last_loop_at) : nullptr},
        {"database_name", setting_text(setting_database_name)},
    };
    // The delivery worker's warning about a long transaction (README: Long
    // transactions); null when none holds the outbox back.
    // A prepared transaction has no backend: its pid is null and its
    // identifier is given.
    const bool prepared_holder = holder_gid[0] != '\0';
    result["worker_xmin_holder"] = nlohmann::json(nullptr);
    if (status.running && (status.xmin_holder_pid != 0 || prepared_holder)) {
        result["worker_xmin_holder"] = {
            {"pid",
             prepared_holder ? nlohmann::json(nullptr) : nlohmann::json(status.xmin_holder_pid)},
            {"transaction_started_at", timestamp_json(status.xmin_holder_since)}};
        if (prepared_holder) result["worker_xmin_holder"]["prepared_transaction"] = holder_gid;
    }
    // The recorder (README: The recorder): while it is down the worker
    // records every attempt itself, so delivery goes on, on one core.
    result["recorder_enabled"] = setting_recorder;
    result["recorder_running"] = recorder.running;
    result["recorder_pid"] =
        recorder.running ? nlohmann::json(recorder.pid) : nlohmann::json(nullptr);
    result["recorder_attempts"] = recorder.recorded_attempts;
    const std::string url = setting_text(setting_webhook_url);
    std::optional<UrlParts> parts = parse_webhook_url(url);
    result["webhook_configured"] = !url.empty();
    result["paused"] = setting_paused;
    // Only the host: the path of a Make.com URL is itself a credential.
    result["webhook_host"] = parts ? nlohmann::json(parts->host) : nlohmann::json(nullptr);
    result["signing_enabled"] = !setting_text(setting_signing_secret).empty();
    result["api_key_configured"] = !setting_text(setting_api_key).empty();
    return jsonb_from(result);
}

// A changed database_name waits for a restart: PostgreSQL marks such a
// setting pending_restart when the configuration is reloaded.
bool database_name_pending_restart() {
    bool pending = false;
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "booking_events: SPI_connect failed");
    if (SPI_execute("SELECT pending_restart FROM pg_catalog.pg_settings "
                    "WHERE name = 'booking_events.database_name'",
                    true, 1) == SPI_OK_SELECT &&
        SPI_processed == 1) {
        bool is_null = false;
        const Datum value =
            SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
        pending = !is_null && DatumGetBool(value);
    }
    SPI_finish();
    return pending;
}

Datum composite_result(FunctionCallInfo fcinfo, Datum *values, bool *nulls) {
    Datum result = (Datum)0;
    pg_call([&] {
        TupleDesc descriptor = nullptr;
        if (get_call_result_type(fcinfo, nullptr, &descriptor) != TYPEFUNC_COMPOSITE)
            elog(ERROR, "booking_events: function must return a composite type");
        descriptor = BlessTupleDesc(descriptor);
        result = HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls));
    });
    return result;
}

Datum validate_config(FunctionCallInfo fcinfo) {
    DeliveryConfig config;
    config.webhook_url = setting_text(setting_webhook_url);
    config.api_key = setting_text(setting_api_key);
    config.signing_secret = setting_text(setting_signing_secret);
    config.ca_file = setting_text(setting_ca_file);
    if (!config.ca_file.empty())
        config.ca_file_problem = ca_file_problem(config.ca_file).value_or(std::string());
    config.database_name = setting_text(setting_database_name);
    config.current_database = database_name_utf8();
    pg_call([&] {
        config.worker_loaded = shared_state_available();
        config.database_name_pending_restart = database_name_pending_restart();
    });
    config.paused = setting_paused;
    config.max_attempts = setting_max_attempts;
    config.backoff_base_ms = setting_backoff_base_ms;
    config.backoff_max_ms = setting_backoff_max_ms;
    config.request_timeout_ms = setting_request_timeout_ms;
    config.max_concurrency = setting_max_concurrency;
    config.batch_size = setting_batch_size;
    // validate_webhook_config(endpoint) (1.2.0): NULL checks every endpoint.
    const bool per_endpoint = PG_NARGS() == 1 && endpoints_installed();
    std::optional<std::string> only;
    if (per_endpoint && !PG_ARGISNULL(0)) only = text_argument(fcinfo, 0);
    const std::vector<EndpointRow> endpoints =
        per_endpoint ? read_endpoints(only) : std::vector<EndpointRow>{};
    config.check_default_target = !only || *only == kDefaultEndpointName;
    for (const EndpointRow &endpoint : endpoints)
        if (endpoint.stored.name != kDefaultEndpointName) config.has_other_endpoints = true;
    if (only && *only != kDefaultEndpointName) config.has_other_endpoints = true;
    ConfigReport report = check_delivery_config(config);
    for (const EndpointRow &endpoint : endpoints)
        check_stored_endpoint(endpoint.stored, !config.webhook_url.empty(), report);
    for (std::string &warning : enrichment_table_warnings())
        report.warnings.push_back(std::move(warning));
    Datum values[3] = {BoolGetDatum(report.valid()), text_array_datum(report.errors),
                       text_array_datum(report.warnings)};
    bool nulls[3] = {false, false, false};
    return composite_result(fcinfo, values, nulls);
}

// Sends one request from this session, waiting in short slices so that a
// query cancel or a terminate request is honoured while it runs.
HttpResult send_now(HttpRequest request) {
    HttpDriverOptions options;
    options.ca_file = setting_text(setting_ca_file);
    HttpDriver driver(options);
    driver.submit(std::move(request));
    for (;;) {
        std::vector<HttpResult> done = driver.take_completed();
        if (!done.empty()) return done.front();
        driver.run_once(50);
        pg_call([] { CHECK_FOR_INTERRUPTS(); });
    }
}

void log_test_attempt(const std::string &event_id, const std::string &endpoint,
                      const HttpResult &result, bool success, const std::string &error) {
    pg_call([&] {
        const ExtensionInfo extension = installed_extension();
        // Marked, so the statistics leave it out; an extension still at 1.0.0
        // has no such column.
        const char *logs = qualified_extension_object(extension, "webhook_logs");
        const Oid logs_relid = get_relname_relid("webhook_logs", extension.schema_oid);
        const bool markable = get_attnum(logs_relid, "is_test") != InvalidAttrNumber;
        // 1.2.0: which endpoint the test went to.
        const bool has_endpoint = get_attnum(logs_relid, "endpoint") != InvalidAttrNumber;
        char *query = psprintf(
            "INSERT INTO %s (event_id, event_type, attempt, status, http_status, "
            "response_time_ms, error%s%s) VALUES ($1::uuid, 'webhook.test', 1, $2, $3, $4, $5%s%s)",
            logs, markable ? ", is_test" : "", has_endpoint ? ", endpoint" : "",
            markable ? ", true" : "", has_endpoint ? ", $6" : "");
        Oid types[6] = {TEXTOID, TEXTOID, INT4OID, FLOAT8OID, TEXTOID, TEXTOID};
        Datum values[6] = {CStringGetTextDatum(event_id.c_str()),
                           CStringGetTextDatum(success ? "success" : "failed"),
                           Int32GetDatum(static_cast<int32>(result.http_status)),
                           Float8GetDatum(result.response_time_ms),
                           error.empty() ? (Datum)0 : CStringGetTextDatum(error.c_str()),
                           CStringGetTextDatum(endpoint.c_str())};
        const char nulls[6] = {
            ' ', ' ', result.http_status == 0 ? 'n' : ' ', ' ', error.empty() ? 'n' : ' ', ' '};
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "booking_events: SPI_connect failed");
        if (SPI_execute_with_args(query, has_endpoint ? 6 : 5, types, values, nulls, false, 0) !=
            SPI_OK_INSERT)
            elog(ERROR, "booking_events: could not record the test attempt");
        SPI_finish();
    });
}

// test_webhook(endpoint) (1.2.0): that endpoint's URL, key and secret;
// `default` (and test_webhook() of 1.0.0) the settings'.
WebhookTarget test_target(FunctionCallInfo fcinfo, std::string *endpoint) {
    if (PG_NARGS() == 1 && PG_ARGISNULL(0))
        throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "test_webhook: endpoint must not be NULL");
    *endpoint = PG_NARGS() == 1 ? text_argument(fcinfo, 0) : std::string(kDefaultEndpointName);
    WebhookTarget target;
    if (*endpoint != kDefaultEndpointName) {
        const EndpointRow row = read_endpoints(*endpoint).front();
        target.url = row.stored.url;
        target.api_key = row.api_key;
        target.signing_keys = signing_keys_from_setting(row.stored.signing_secret);
        return target;
    }
    target.url = setting_text(setting_webhook_url);
    if (target.url.empty())
        throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                       "booking_events.webhook_url is not set", "",
                       "Set it in postgresql.conf (or with ALTER SYSTEM) and reload.");
    target.api_key = setting_text(setting_api_key);
    target.signing_keys = signing_keys_from_setting(setting_text(setting_signing_secret));
    return target;
}

Datum send_test_webhook(FunctionCallInfo fcinfo) {
    std::string endpoint;
    WebhookTarget target = test_target(fcinfo, &endpoint);
    // It records the request in webhook_logs: in a read-only transaction (a
    // standby, default_transaction_read_only) that would fail only after the
    // request went out, and the caller would not know it was sent.
    if (XactReadOnly)
        throw SqlError(ERRCODE_READ_ONLY_SQL_TRANSACTION,
                       "test_webhook() cannot run in a read-only transaction",
                       "It records its request in webhook_logs; nothing was sent.",
                       "Run it on the primary in a read-write transaction (SET "
                       "default_transaction_read_only = off, or BEGIN READ WRITE).");
    target.user_agent = std::string("booking_events/") + kExtensionVersion;
    target.timeout_ms = setting_request_timeout_ms;

    TimestampTz now = 0;
    pg_call([&] { now = GetCurrentTimestamp(); });
    EventContext context;
    context.event_id = new_event_id();
    context.event_time_unix_ms = unix_ms(now);
    context.source = setting_text(setting_source);
    context.environment = setting_text(setting_environment);
    context.database = database_name_utf8();
    context.version = kExtensionVersion;
    nlohmann::json section = {{"event_type", "webhook.test"},
                              {"description", "Test event sent by test_webhook()"}};
    const std::string body =
        serialize_event(build_event(context, "webhook.test", std::move(section), Enrichment{}));

    const HttpResult result = send_now(build_webhook_request(target, 1, context.event_id, body,
                                                             context.event_time_unix_ms / 1000));
    const bool success = classify_response(result.http_status) == ResponseClass::Success;
    std::string error;
    if (!success)
        error = result.http_status == 0 ? result.error
                                        : "HTTP " + std::to_string(result.http_status) +
                                              (result.error.empty() ? "" : ": " + result.error);
    log_test_attempt(context.event_id, endpoint, result, success, error);

    Datum values[4] = {BoolGetDatum(success), Int32GetDatum(static_cast<int32>(result.http_status)),
                       Float8GetDatum(result.response_time_ms), (Datum)0};
    bool nulls[4] = {false, result.http_status == 0, false, error.empty()};
    if (!error.empty()) pg_call([&] { values[3] = CStringGetTextDatum(error.c_str()); });
    return composite_result(fcinfo, values, nulls);
}

}  // namespace

}  // namespace booking_events

BOOKING_EVENTS_SQL_FUNCTION(booking_events_worker_status, booking_events::worker_status)
BOOKING_EVENTS_SQL_FUNCTION(validate_webhook_config, booking_events::validate_config)
BOOKING_EVENTS_SQL_FUNCTION(test_webhook, booking_events::send_test_webhook)
