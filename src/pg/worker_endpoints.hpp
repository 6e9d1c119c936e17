// The endpoints as the delivery worker sends to them: each one's request
// target (URL, API key, signing keys) and its live EndpointRuntime (pause,
// rate limit, Retry-After, AIMD, circuit breaker). Read again from
// webhook_endpoints whenever the table changed (endpoint_routing's
// generation) and after a reload; each endpoint keeps its runtime across
// those reads. A database still at 1.0.0 or 1.1.0 has `default` only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/claim_lanes.hpp"
#include "core/endpoint_runtime.hpp"
#include "core/webhook_request.hpp"
#include "pg/extension_catalog.hpp"

namespace booking_events {

struct WorkerEndpoint {
    std::string name;
    WebhookTarget target;
    std::unique_ptr<EndpointRuntime> runtime;
    // For webhook_endpoint_state (steady clock; -1: none yet).
    std::int64_t last_success_at = -1;
    std::int64_t last_failure_at = -1;
    std::string last_error;
    // Whether its last claim found anything: an endpoint with nothing queued
    // does not count when max_concurrency is shared out.
    bool had_work = true;
    // Its claims' split between the oldest and the newest due deliveries,
    // carried from claim to claim (core/claim_lanes.hpp).
    ClaimLanes claim_lanes;

    void note_result(bool delivered, const std::string &error, std::int64_t now);
};

class WorkerEndpoints {
  public:
    // After a reload: `default`'s target and every endpoint's breaker,
    // backoff and timeout settings are taken from the settings again.
    void settings_changed() { settings_changed_ = true; }

    // Inside the worker's transaction (SPI connected): brings the set up to
    // date with webhook_endpoints (`schema_has_endpoints`) or the settings
    // alone (an older schema). `now` is the worker's steady clock.
    void refresh(const ExtensionInfo &extension, bool schema_has_endpoints, std::int64_t now);

    // From 1.2.0 on, whether the deliveries to endpoints that no longer
    // exist are to be ended (end_removed, in a worker transaction of its
    // own: its settle's id-ordered lock run never follows the record's):
    // after a refresh that saw webhook_endpoints changed (a removal), then
    // at most once a second, so that a transaction that routed to the
    // endpoint before its removal committed is caught whenever it commits.
    // Not on every wake-up: the sweep reads the pending index, and each
    // application commit wakes the worker.
    bool removed_sweep_due(std::int64_t now) const;
    void end_removed(const ExtensionInfo &extension, std::int64_t now);

    // Whether a commit's wake-up is worth a transaction: some endpoint may be
    // sent to (not paused, with a URL), or the settings changed since the
    // last read (a URL set by a reload). True before the first refresh; false
    // while booking_events.paused is on. Changes of webhook_endpoints (a
    // resume, a new endpoint), which the worker learns only inside a
    // transaction, come with a request to look (shared_state.hpp).
    bool worth_a_look() const;

    std::vector<WorkerEndpoint *> sendable();

    // Inside the worker's transaction, from 1.2.0 on: writes
    // webhook_endpoint_state when an endpoint's state changed, else at most
    // about once a second while results come in; never per request.
    void write_state_if_due(const ExtensionInfo &extension, std::int64_t now);
    void results_arrived() { results_since_write_ = true; }
    WorkerEndpoint *find(const std::string &name);

  private:
    struct Row {
        std::string name;
        std::string url, api_key, signing_secret;
        bool paused = false;
        int batch_max = 1;
        bool has_rate = false;
        double max_per_second = 0;
    };
    void rebuild(const std::vector<Row> &rows, std::int64_t now);

    std::map<std::string, WorkerEndpoint> endpoints_;
    std::string state_written_;  // what the last write said (states, failures)
    // Whose webhook_endpoint_state it went to: after DROP EXTENSION and
    // CREATE EXTENSION the table is another one, empty, and is written again.
    Oid state_written_for_ = InvalidOid;
    std::int64_t state_written_at_ = -1;
    bool results_since_write_ = false;
    std::uint64_t generation_read_ = 0;
    Oid schema_read_ = InvalidOid;
    bool schema_had_endpoints_ = false;
    bool settings_changed_ = true;
    bool read_once_ = false;
    std::int64_t read_at_ = 0;   // steady clock, the last change of the set read
    std::int64_t swept_at_ = 0;  // steady clock, the last removed-endpoint sweep
    bool swept_once_ = false;
};

}  // namespace booking_events
