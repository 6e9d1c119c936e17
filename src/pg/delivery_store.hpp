// Every statement the delivery worker runs on the outbox and the audit trail,
// in one place: claiming due events, recording attempts, the next due time
// and retention.
// PostgreSQL side only: every function may ereport, so the C++ worker calls
// them under pg_call, inside a transaction with SPI connected. Inputs and
// outputs are plain C data.
#pragma once

#include "core/delivery_policy.hpp"
#include "pg/extension_catalog.hpp"

namespace booking_events {

struct ClaimedEvent {
    int64 outbox_id;
    const char *event_id;
    const char *event_type;
    const char *booking_id;  // nullptr when the event has none
    int attempts;            // attempts made so far
    int attempts_before_retry;
    const char *body;  // UTF-8, exactly the bytes to send
    int body_length;
};

struct ClaimBatch {
    int count;
    ClaimedEvent *events;
};

// Due pending events, at most one per booking, none that is in flight, none
// whose booking has an earlier pending event or one in flight: `newest` of
// them the newest (so fresh events are not stuck behind a backlog), the
// rest of `limit` the oldest; returned in outbox order.
ClaimBatch claim_due_events(const ExtensionInfo &extension, const int64 *in_flight_ids,
                            int in_flight_count, const char *const *busy_bookings, int busy_count,
                            int limit, int newest);

struct AttemptRow {
    int64 outbox_id;
    const char *event_id;
    const char *event_type;
    int attempt;  // number of this attempt, counting all before it
    NextStep step;
    int http_status;    // 0: no response (stored as NULL)
    const char *error;  // nullptr on success
    double response_time_ms;
    int64 retry_delay_ms;  // for NextStep::Retry
};

// One statement for the whole batch: a webhook_logs row per attempt and the
// outbox rows' new state.
void record_attempts(const ExtensionInfo &extension, const AttemptRow *rows, int count);

// Milliseconds until the next pending event becomes due; -1 when none waits.
int64 ms_until_next_due(const ExtensionInfo &extension);

// Deletes at most `chunk` webhook_logs rows and `chunk` delivered events
// older than `retention_days`; returns how many rows went. Small chunks keep
// locks short and leave room for delivery between them.
int64 delete_expired_chunk(const ExtensionInfo &extension, int retention_days, int chunk);

// Forgets the prepared statements (after an error, or when the extension moved).
void reset_delivery_store();

}  // namespace booking_events
