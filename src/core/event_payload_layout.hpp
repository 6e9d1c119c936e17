// The event's payload written straight as jsonb tokens from the rows'
// column values, without building it as an nlohmann tree first: the same
// keys, values and sections as build_event(booking_event_section(...)),
// which stays the reference (and the path for what this one declines). The
// PostgreSQL layer reads each column from its Datum into a PayloadValue;
// this file decides which columns go where.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/event_payload.hpp"
#include "core/json_tokens.hpp"

namespace booking_events {

// One column's value as the reference path's JSON tree would hold it.
enum class PayloadValueKind {
    Null,
    Bool,
    Integer,  // an int64
    Number,   // any other number, `text` as serialize_event writes it
    String,   // `text`, UTF-8
    Json,     // `json`: an object or array (a json column, parsed)
    Opaque,   // `opaque`: an object or array the PostgreSQL layer writes itself
};

struct PayloadValue {
    PayloadValueKind kind = PayloadValueKind::Null;
    bool boolean = false;
    std::int64_t integer = 0;
    const char *text = nullptr;  // Number, String: not NUL-terminated
    std::size_t length = 0;
    const nlohmann::json *json = nullptr;
    const void *opaque = nullptr;
};

// The value the reference path holds for an nlohmann scalar or container;
// `value` must outlive the result.
PayloadValue payload_value_of(const nlohmann::json &value, std::string *number_text);

struct PayloadColumn {
    const char *name = nullptr;  // UTF-8, NUL-terminated
    PayloadValue value;
};

// A row's columns, in the table's order; names are unique.
struct PayloadRow {
    const PayloadColumn *columns = nullptr;
    std::size_t count = 0;
    const PayloadValue *field(const char *name) const;
};

struct PayloadEvent {
    const char *table = "";  // UTF-8
    RowOperation operation = RowOperation::Insert;
    bool is_bookings_table = false;
    bool manual = false;
    PayloadRow record;
    const PayloadRow *old_record = nullptr;  // UPDATE and DELETE
};

// event_type_for over the row; nullopt when only the reference path can
// tell (an event_type column holding an Opaque value).
std::optional<std::string> payload_event_type(const PayloadEvent &event);

// booking_id_for and id_field over the rows.
std::optional<std::string> payload_booking_id(const PayloadEvent &event);
std::optional<std::string> payload_id_field(const PayloadRow *row, const char *name);

// The rows the enrichment found; nullptr when absent.
struct PayloadEnrichment {
    const PayloadRow *booking_details = nullptr;
    const PayloadRow *client_profile = nullptr;
    const PayloadRow *provider_profile = nullptr;
};

// Appends the tokens of the whole event to `out`. False when this event is
// one only the reference path builds (a status change it cannot compare);
// out->direct false when a string needs the text path. Strings point into
// the rows, `context`, `event_type` and `booking_id`, which must outlive `out`.
bool layout_event(const EventContext &context, const std::string &event_type,
                  const std::optional<std::string> &booking_id, const PayloadEvent &event,
                  const PayloadEnrichment &enrichment, JsonTokens *out);

}  // namespace booking_events
