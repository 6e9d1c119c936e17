// The delivery worker's statements from version 1.2.0 on: each endpoint's
// deliveries (webhook_deliveries) claimed, recorded and settled into their
// outbox rows, retention, and the endpoints' settings. A database still at
// 1.0.0 or 1.1.0 is served by delivery_store.hpp, unchanged.
// PostgreSQL side only, like delivery_store.hpp: call under pg_call inside
// the worker's transaction with SPI connected. Plain C data in and out.
#pragma once

#include "pg/delivery_store.hpp"

namespace booking_events {

// Whether the extension's schema is 1.2.0's (has webhook_deliveries).
bool schema_has_deliveries(const ExtensionInfo &extension);

// Due pending deliveries of `endpoint`, none in flight (`in_flight_ids` are
// that endpoint's), none whose booking has an earlier pending delivery to
// that endpoint or one in flight (`busy_bookings`): per-booking order is per
// endpoint. At most `limit`: `newest` of them the newest due in the last two
// seconds (so a fresh event is not stuck behind a backlog), the rest the
// oldest.
ClaimBatch claim_endpoint_deliveries(const ExtensionInfo &extension, const char *endpoint,
                                     const int64 *in_flight_ids, int in_flight_count,
                                     const char *const *busy_bookings, int busy_count, int limit,
                                     int newest);

// One statement for the whole batch: each delivery's new state, a
// webhook_logs row per attempt (with its endpoint), and the outbox row of
// each event whose delivery is its only one; then, only when some event has
// several deliveries, a second statement locks their outbox rows and a third
// settles them by the general rule (record_statement.hpp), in the same
// transaction.
void record_endpoint_attempts(const ExtensionInfo &extension, const AttemptRow *rows, int count);

// Pending deliveries to endpoints that no longer exist (routed by a trigger
// that raced webhook_endpoint_remove) end failed with "endpoint removed";
// their events are settled as record_endpoint_attempts settles the shared
// ones (outbox rows locked, then settled).
void end_removed_endpoint_deliveries(const ExtensionInfo &extension);

// Milliseconds until the next pending delivery becomes due (from 1.2.0 on,
// `schema_has_endpoints`; before, the outbox's next event); -1 when none
// waits.
int64 ms_until_next_attempt(const ExtensionInfo &extension, bool schema_has_endpoints);

// Retention from 1.2.0 on: old webhook_logs rows, and delivered events
// together with their deliveries.
int64 delete_expired_events_chunk(const ExtensionInfo &extension, int retention_days, int chunk);

struct EndpointRow {
    const char *name;
    const char *url;  // nullptr for `default` (booking_events.webhook_url)
    const char *api_key;
    const char *signing_secret;
    bool paused;
    int batch_max;
    bool has_rate;
    double max_per_second;
};

struct EndpointRows {
    int count;
    EndpointRow *rows;
};

EndpointRows read_endpoint_rows(const ExtensionInfo &extension);

// One endpoint's live state for webhook_endpoint_state. Times are ages
// relative to the transaction's now(), in ms; -1 when there is none.
struct EndpointStateRow {
    const char *name;
    const char *state;
    int64 state_age_ms;
    int consecutive_failures;
    int64 paused_for_ms;  // a Retry-After pause still to run
    int64 last_success_age_ms;
    int64 last_failure_age_ms;
    const char *last_error;  // UTF-8, nullptr when none
};

void write_endpoint_states(const ExtensionInfo &extension, const EndpointStateRow *rows, int count);

void reset_endpoint_store();

}  // namespace booking_events
