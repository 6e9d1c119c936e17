// The event a booking change becomes: its type, its booking id and the JSON
// body of the contract. Built from plain values, so it is tested without a
// server; the PostgreSQL layer only supplies rows and settings.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/event_time.hpp"

namespace booking_events {

// How a column's text (its type's output function) maps to JSON.
enum class ColumnKind { Null, Bool, Integer, Float, Numeric, Json, Text };

// The deepest nesting of a json column's value that is carried as JSON; a
// deeper one is carried as its JSON text, a string. Writing the payload
// walks a value recursively (about 200 bytes of stack a level) outside
// PostgreSQL's stack depth check, and a json column holds any depth
// (json_build_array nests without parsing): 100,000 levels overflowed the
// backend's stack and took the whole server down. (A jsonb value is as
// deep as PostgreSQL's own checked recursion let it be built, about 15,000
// levels with the default max_stack_depth.) Receivers stop far below either
// (Python's json module near 1,000 levels).
constexpr std::size_t kMaxJsonColumnDepth = 1000;

// Whether JSON text nests objects and arrays deeper than `limit`, counted
// without parsing (brackets inside strings do not count).
bool json_text_nests_deeper(std::string_view text, std::size_t limit);

struct ColumnValue {
    std::string name;
    ColumnKind kind = ColumnKind::Null;
    std::string text;
};

nlohmann::json column_to_json(ColumnKind kind, const std::string &text);

// What column_to_json makes of a numeric's text: a whole amount of at most
// 15 digits an integer, a fraction of at most 15 digits a double, anything
// longer (or NaN, Infinity) the text itself, a string.
struct NumericJson {
    enum class Form { Text, Integer, Double };
    Form form = Form::Text;
    std::int64_t integer = 0;
    double real = 0;
};
NumericJson numeric_json(const std::string &text);
nlohmann::json row_to_json(const std::vector<ColumnValue> &columns);

enum class RowOperation { Insert, Update, Delete };

const char *operation_name(RowOperation operation);

struct RowEvent {
    std::string table;  // the relation's name, unqualified
    RowOperation operation = RowOperation::Insert;
    bool is_bookings_table = false;
    bool manual = false;        // from manually_trigger_webhook
    nlohmann::json record;      // the row after the change (the deleted row for DELETE)
    nlohmann::json old_record;  // the row before an UPDATE or DELETE, else null
};

std::string event_type_for(const RowEvent &event);

// The type of a row whose event_type column is NULL or empty.
constexpr const char *kDefaultRowEventType = "booking_event.created";

// The type of a row of a table without an event_type column.
std::string default_event_type(const std::string &table, RowOperation operation,
                               bool is_bookings_table, bool status_changed);

// The row's booking_id column, or its id for the bookings table, as text.
std::optional<std::string> booking_id_for(const RowEvent &event);

// A JSON scalar as the text an id is compared and shown with.
std::optional<std::string> id_text(const nlohmann::json &value);

// The id_text of `row`'s field `name`; nullopt when `row` is no object or
// has no such scalar field.
std::optional<std::string> id_field(const nlohmann::json &row, const char *name);
std::optional<std::string> id_field(const std::optional<nlohmann::json> &row, const char *name);

// Whether a string or key of `value` holds a NUL character, which jsonb
// (the outbox's payload) cannot store although json accepts "\u0000".
bool json_holds_nul(const nlohmann::json &value);

// Takes the event by value: its record and old_record move into the section
// (a caller that keeps using them passes a copy).
nlohmann::json booking_event_section(RowEvent event, const std::string &event_type);

struct Enrichment {
    std::optional<nlohmann::json> booking_details;
    std::optional<nlohmann::json> client_info;
    std::optional<nlohmann::json> provider_info;
};

// client_info / provider_info from a profiles row: `name` is full_name, or
// name when there is no full_name.
nlohmann::json client_info_from_profile(const nlohmann::json &profile);
nlohmann::json provider_info_from_profile(const nlohmann::json &profile);

struct EventContext {
    std::string event_id;
    std::int64_t event_time_unix_ms = 0;
    std::string source;
    std::string environment;
    std::string database;
    std::string version;
};

// The parts move into the event: the trigger builds each payload once, and
// copying the rows' trees cost it more than building them.
nlohmann::json build_event(const EventContext &context, const std::string &event_type,
                           nlohmann::json booking_event, Enrichment enrichment);

// How the strings of an event hold their characters.
enum class TextBytes {
    Utf8,  // invalid sequences are replaced, so a bad byte never loses the event
    Raw,   // bytes of no declared encoding (SQL_ASCII), written out unchanged
};

// The body as sent: compact JSON.
std::string serialize_event(const nlohmann::json &event, TextBytes bytes = TextBytes::Utf8);

// A version 4 UUID in canonical form from 16 random bytes.
std::string format_uuid_v4(std::array<std::uint8_t, 16> random_bytes);

}  // namespace booking_events
