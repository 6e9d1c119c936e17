// Turns a row change into an event and writes it to the outbox, in the
// caller's transaction: the orchestration of the trigger path (extension,
// enrichment tables, lookups, payload, outbox insert, notification). Shared
// by the trigger and manually_trigger_webhook.
#pragma once

#include <string>

#include "core/event_payload.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

struct RowChangeSource {
    Relation relation = nullptr;
    RowOperation operation = RowOperation::Insert;
    HeapTuple new_tuple = nullptr;  // the row after the change, or the deleted row
    HeapTuple old_tuple = nullptr;  // UPDATE and DELETE only
    bool manual = false;
};

// Helpers shared with test_webhook(); they throw PgError.
std::int64_t unix_ms(TimestampTz timestamp);
std::string new_event_id();
std::string database_name_utf8();  // the current database's name, in UTF-8

// Returns the new event's id. Rows of a temporary table are refused
// (SqlError 0A000). Throws PgError / SqlError; call it from inside
// sql_boundary.
std::string capture_row_event(const RowChangeSource &source);

}  // namespace booking_events
