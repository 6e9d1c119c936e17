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
    // Claimed deliveries removed because their event is gone (1.2.0 on):
    // they filled the claim's limit as events would have.
    int removed_without_event;
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
    const char *endpoint;  // read from 1.2.0 on (webhook_deliveries)
    const char *event_id;
    const char *event_type;
    int attempt;  // number of this attempt, counting all before it
    NextStep step;
    int http_status;    // 0: no response (stored as NULL)
    const char *error;  // nullptr on success
    double response_time_ms;
    int64 retry_delay_ms;  // for NextStep::Retry
    // From 1.2.0 on: an attempt that counts for nothing (a 429, a failed
    // breaker probe): logged, but the delivery's attempts stay as they were.
    bool outside_budget;
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

// Shared by the 1.1.0 statements and the 1.2.0 ones (endpoint_store):
// both claims return these seven columns (outbox id, event id, event type,
// booking id, attempts, attempts_before_retry, body), and both records take
// the attempts as these arrays.
void read_claimed_event(HeapTuple tuple, TupleDesc descriptor, ClaimedEvent *event);

// The rows of a claim just run (SPI_tuptable), each event once: both claims
// read two lanes (the oldest due events and the newest), which return the
// same events when few are due.
ClaimBatch read_claimed_batch();

// Runs a statement returning one int8 (milliseconds until the next due
// row, NULL when none): -1 when none, else at least 0.
int64 run_next_due(SPIPlanPtr next_due);

// Runs a record statement on the attempts, passed as arrays (outbox id,
// event id, event type, attempt, outbox status, log status, HTTP status,
// error, response time, retry delay); from 1.2.0 on (`per_endpoint`) with
// the endpoint second and outside_budget last. Returns SPI_execute_plan's
// result.
int run_record(SPIPlanPtr record, const AttemptRow *rows, int count, bool per_endpoint);

// Retention's statement: old webhook_logs rows and delivered events, and
// from 1.2.0 on (`deliveries` not nullptr) those events' deliveries.
const char *expired_rows_query(const char *outbox, const char *logs, const char *deliveries);

// Runs a prepared expired_rows_query; returns how many rows went.
int64 run_expiry(SPIPlanPtr expire, int retention_days, int chunk);

// A statement of the worker, prepared and kept (SPI_keepplan); and freed.
SPIPlanPtr prepare_worker_plan(const char *query, int argument_count, Oid *argument_types);
void free_worker_plans(SPIPlanPtr *plans, int count);

// The size of one of the extension's tables, in blocks (0 when absent).
BlockNumber extension_table_blocks(const ExtensionInfo &extension, const char *table);
// Whether plans made at `planned_blocks` should be made again at `blocks`:
// a generic plan made on a nearly empty table may suit a handful of rows
// only; PostgreSQL estimates from the current size when it plans anew.
bool table_outgrew_plans(BlockNumber blocks, BlockNumber planned_blocks);
// ANALYZEs one of the extension's tables when it has outgrown its statistics
// by the same rule (its size against the pages the last ANALYZE or VACUUM
// saw). Re-planning alone does not help then: a table vacuumed while empty
// (a quiet night) and filled at once (an outage's backlog) keeps statistics
// that describe no rows until autovacuum's next ANALYZE, and a plan made on
// them picks an index at random (webhook_deliveries' per-booking probe took
// the wrong one and read every pending delivery per claimed event).
// SKIP_LOCKED: an autovacuum at work on the table is doing it already.
// Returns the table's size in blocks (what extension_table_blocks returns),
// so a claim opens the table once for both checks.
BlockNumber analyze_if_outgrown(const ExtensionInfo &extension, const char *table);

// Forgets the prepared statements (after an error, or when the extension moved).
void reset_delivery_store();

}  // namespace booking_events
