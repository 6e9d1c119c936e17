// Which event types an endpoint wants: the patterns of webhook_endpoint_set's
// event_types, validated when they are set (so a typo is an error then, not a
// silently unmatched endpoint later) and matched when an event commits.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace booking_events {

enum class PatternKind {
    Any,     // "*": every event type
    Prefix,  // "booking.*": every type that starts with "booking."
    Exact,   // "booking.created": that type only (case-sensitive)
};

struct EventTypePattern {
    PatternKind kind = PatternKind::Any;
    // Exact: the type; Prefix: the prefix with its final dot ("booking.");
    // Any: empty.
    std::string text;

    bool operator==(const EventTypePattern &other) const {
        return kind == other.kind && text == other.text;
    }
};

// Limits that keep a pattern list small enough to match per event cheaply.
constexpr std::size_t kMaxEventTypePatternBytes = 200;
constexpr std::size_t kMaxEventTypePatterns = 100;

struct EventTypePatternList {
    std::vector<EventTypePattern> patterns;  // in the order given, duplicates removed
    // Why the list was refused (a message for an SQLSTATE 22023 error), or
    // nullopt when `patterns` holds the parsed list.
    std::optional<std::string> problem;
};

// One pattern: "*", "<segments>.*" or "<segments>", where segments are
// non-empty runs of ASCII letters, digits, '_', '-', ':' and '$' (unquoted
// table names may hold it: "order$items.inserted") separated by single dots. Anything else (empty,
// whitespace, a '*' elsewhere, "a..b", non-ASCII bytes) is refused with a message naming the
// pattern and the first offending character.
std::optional<std::string> event_type_pattern_problem(std::string_view pattern);

// Parses a whole event_types array: at least one pattern, at most
// kMaxEventTypePatterns, each valid.
EventTypePatternList parse_event_type_patterns(const std::vector<std::string> &patterns);

bool event_type_matches(const EventTypePattern &pattern, std::string_view event_type);
bool event_type_matches_any(const std::vector<EventTypePattern> &patterns,
                            std::string_view event_type);

// The pattern as the user wrote it ("*", "booking.*", "booking.created"), for
// webhook_endpoints_status.event_types.
std::string pattern_text(const EventTypePattern &pattern);

}  // namespace booking_events
