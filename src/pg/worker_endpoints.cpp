#include "pg/worker_endpoints.hpp"

#include "core/endpoint_name.hpp"
#include "pg/boundary.hpp"
#include "pg/endpoint_routing.hpp"
#include "pg/endpoint_store.hpp"
#include "pg/log_redaction.hpp"
#include "pg/settings.hpp"
#include "pg/version.hpp"

namespace booking_events {

namespace {

// How often the removed-endpoint sweep runs at most, besides right after the
// endpoint set changed: it is a skip scan of the pending index, whose head is
// dead entries over a drain until a vacuum, and every commit wakes the worker.
constexpr std::int64_t kRemovedSweepIntervalMs = 1000;

std::string text_or_empty(const char *text) { return text != nullptr ? text : ""; }

}  // namespace

void WorkerEndpoints::refresh(const ExtensionInfo &extension, bool schema_has_endpoints,
                              std::int64_t now) {
    std::uint64_t generation = 0;
    Oid endpoints_relid = InvalidOid;
    if (schema_has_endpoints) {
        pg_call([&] {
            endpoints_relid = get_relname_relid("webhook_endpoints", extension.schema_oid);
        });
        generation = endpoints_generation(endpoints_relid);
    }
    if (read_once_ && !settings_changed_ && generation == generation_read_ &&
        schema_read_ == extension.schema_oid && schema_had_endpoints_ == schema_has_endpoints)
        return;
    std::vector<Row> rows;
    if (schema_has_endpoints) {
        EndpointRows raw{0, nullptr};
        pg_call([&] { raw = read_endpoint_rows(extension); });
        for (int i = 0; i < raw.count; ++i) {
            const EndpointRow &r = raw.rows[i];
            Row row;
            row.name = text_or_empty(r.name);
            row.url = text_or_empty(r.url);
            row.api_key = text_or_empty(r.api_key);
            row.signing_secret = text_or_empty(r.signing_secret);
            row.paused = r.paused;
            row.batch_max = r.batch_max;
            row.has_rate = r.has_rate;
            row.max_per_second = r.max_per_second;
            // The worker's log lines (a libcurl error naming the URL, say)
            // are redacted by value too.
            remember_endpoint_secrets(r.url, r.api_key, r.signing_secret);
            rows.push_back(std::move(row));
        }
    } else {
        Row row;
        row.name = std::string(kDefaultEndpointName);
        rows.push_back(std::move(row));
    }
    rebuild(rows, now);
    // A settings reload alone removes no endpoint: only a change of
    // webhook_endpoints (or another schema, or the first read) opens the
    // sweep's window, so a reload does not bring the sweep back.
    if (!read_once_ || generation != generation_read_ || schema_read_ != extension.schema_oid ||
        schema_had_endpoints_ != schema_has_endpoints)
        read_at_ = now;
    generation_read_ = generation;
    schema_read_ = extension.schema_oid;
    schema_had_endpoints_ = schema_has_endpoints;
    settings_changed_ = false;
    read_once_ = true;
}

bool WorkerEndpoints::removed_sweep_due(std::int64_t now) const {
    if (!read_once_) return false;
    return !swept_once_ || swept_at_ < read_at_ || now - swept_at_ >= kRemovedSweepIntervalMs;
}

void WorkerEndpoints::end_removed(const ExtensionInfo &extension, std::int64_t now) {
    pg_call([&] { end_removed_endpoint_deliveries(extension); });
    swept_at_ = now;
    swept_once_ = true;
}

void WorkerEndpoints::rebuild(const std::vector<Row> &rows, std::int64_t now) {
    std::map<std::string, WorkerEndpoint> fresh;
    for (const Row &row : rows) {
        const bool is_default = row.name == kDefaultEndpointName;
        WorkerEndpoint endpoint;
        endpoint.name = row.name;
        // `default` is booking_events.webhook_url and its secrets.
        endpoint.target.url = is_default ? text_or_empty(setting_webhook_url) : row.url;
        endpoint.target.api_key = is_default ? text_or_empty(setting_api_key) : row.api_key;
        endpoint.target.signing_keys = signing_keys_from_setting(
            is_default ? text_or_empty(setting_signing_secret) : row.signing_secret);
        endpoint.target.user_agent = std::string("booking_events/") + kExtensionVersion;
        endpoint.target.timeout_ms = setting_request_timeout_ms;
        EndpointSettings settings;
        settings.name = row.name;
        if (row.has_rate) settings.max_per_second = row.max_per_second;
        settings.batch_max = row.batch_max;
        // Paused is the endpoint's own state (webhook_endpoint_pause); the
        // setting and a missing URL only hold it, and webhook_health()
        // reports them as what they are.
        settings.paused = row.paused;
        settings.held = setting_paused || endpoint.target.url.empty();
        settings.breaker_failures = setting_breaker_failures;
        settings.breaker_probe_ms = setting_breaker_probe_ms;
        settings.backpressure.max_pause_ms = setting_backoff_max_ms;
        auto kept = endpoints_.find(row.name);
        if (kept != endpoints_.end()) {
            endpoint.last_success_at = kept->second.last_success_at;
            endpoint.last_failure_at = kept->second.last_failure_at;
            endpoint.last_error = kept->second.last_error;
            endpoint.runtime = std::move(kept->second.runtime);
            endpoint.runtime->reconfigure(settings, now);
        } else {
            endpoint.runtime = std::make_unique<EndpointRuntime>(settings, now);
        }
        fresh.emplace(row.name, std::move(endpoint));
    }
    endpoints_ = std::move(fresh);
}

bool WorkerEndpoints::worth_a_look() const {
    if (setting_paused) return false;
    // After a reload the endpoints are read again before anything is sent:
    // `default` held for an empty webhook_url may have a URL now. A change
    // of webhook_endpoints asks the worker to look (ask_worker_to_look_on_
    // commit) and is not this function's business.
    if (!read_once_ || settings_changed_) return true;
    for (const auto &entry : endpoints_)
        if (!entry.second.runtime->settings().stopped()) return true;
    return false;
}

std::vector<WorkerEndpoint *> WorkerEndpoints::sendable() {
    std::vector<WorkerEndpoint *> result;
    for (auto &entry : endpoints_)
        if (!entry.second.runtime->settings().stopped()) result.push_back(&entry.second);
    return result;
}

WorkerEndpoint *WorkerEndpoints::find(const std::string &name) {
    auto found = endpoints_.find(name);
    return found == endpoints_.end() ? nullptr : &found->second;
}

void WorkerEndpoint::note_result(bool delivered, const std::string &error, std::int64_t now) {
    if (delivered) {
        last_success_at = now;
    } else {
        last_failure_at = now;
        last_error = error;
    }
}

void WorkerEndpoints::write_state_if_due(const ExtensionInfo &extension, std::int64_t now) {
    constexpr std::int64_t kStateWriteIntervalMs = 1000;
    std::string summary;
    for (const auto &entry : endpoints_) {
        const EndpointRuntime &runtime = *entry.second.runtime;
        summary += entry.first + '=' + runtime.state_name(now) + '/' +
                   std::to_string(runtime.breaker().consecutive_failures()) + ';';
    }
    const bool changed = summary != state_written_ || extension.extension_oid != state_written_for_;
    const bool interval_passed =
        state_written_at_ < 0 || now - state_written_at_ >= kStateWriteIntervalMs;
    if (!changed && !(interval_passed && results_since_write_)) return;
    std::vector<EndpointStateRow> rows;
    for (const auto &entry : endpoints_) {
        const WorkerEndpoint &endpoint = entry.second;
        const EndpointRuntime &runtime = *endpoint.runtime;
        EndpointStateRow row{};
        row.name = endpoint.name.c_str();
        row.state = runtime.state_name(now);
        row.state_age_ms = std::max<std::int64_t>(0, now - runtime.state_since(now));
        row.consecutive_failures = runtime.breaker().consecutive_failures();
        row.paused_for_ms = runtime.backpressure().is_paused(now)
                                ? runtime.backpressure().paused_until() - now
                                : -1;
        row.last_success_age_ms =
            endpoint.last_success_at < 0 ? -1 : now - endpoint.last_success_at;
        row.last_failure_age_ms =
            endpoint.last_failure_at < 0 ? -1 : now - endpoint.last_failure_at;
        row.last_error = endpoint.last_error.empty() ? nullptr : endpoint.last_error.c_str();
        rows.push_back(row);
    }
    pg_call([&] { write_endpoint_states(extension, rows.data(), static_cast<int>(rows.size())); });
    state_written_ = summary;
    state_written_for_ = extension.extension_oid;
    state_written_at_ = now;
    results_since_write_ = false;
}

}  // namespace booking_events
