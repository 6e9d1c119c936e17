#include "core/event_type_pattern.hpp"

#include <algorithm>
#include <cstdio>

namespace booking_events {

namespace {

bool is_segment_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == ':' || c == '$';
}

bool is_printable_ascii(char c) { return c > ' ' && c < 0x7f; }

// How a byte is named in a message: itself when printable, else in hex, so a
// control character or half a UTF-8 sequence never ends up in the server log.
std::string describe_byte(char c) {
    if (c == ' ') return "a space";
    if (is_printable_ascii(c)) return std::string("'") + c + "'";
    char hex[16];
    std::snprintf(hex, sizeof hex, "byte 0x%02X", static_cast<unsigned char>(c));
    return hex;
}

// The pattern quoted for a message, with the same escaping and a length cap.
std::string quoted(std::string_view pattern) {
    constexpr std::size_t kShown = 60;
    std::string out = "\"";
    for (std::size_t i = 0; i < pattern.size() && i < kShown; ++i) {
        const char c = pattern[i];
        if (is_printable_ascii(c) || c == ' ') {
            out += c;
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(c));
            out += hex;
        }
    }
    if (pattern.size() > kShown) out += "...";
    return out + "\"";
}

std::string refusal(std::string_view pattern, const std::string &reason) {
    return "invalid event type pattern " + quoted(pattern) + ": " + reason;
}

// The guidance is written without quotes: in a statement that passes secrets
// (webhook_endpoint_set) the log redaction hides every quoted part of the
// message, which the client sees too.
constexpr const char *kAllowed =
    "use * (every event), a prefix such as booking.* or an exact type such as booking.created "
    "(letters, digits, underscores, hyphens, colons, dollar signs and single dots)";

}  // namespace

std::optional<std::string> event_type_pattern_problem(std::string_view pattern) {
    if (pattern.empty()) return refusal(pattern, std::string("it is empty; ") + kAllowed);
    if (pattern.size() > kMaxEventTypePatternBytes)
        return refusal(pattern,
                       "longer than " + std::to_string(kMaxEventTypePatternBytes) + " bytes");
    if (pattern == "*") return std::nullopt;
    std::string_view segments = pattern;
    if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*")
        segments = pattern.substr(0, pattern.size() - 2);
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const char c = segments[i];
        const std::string at = " at position " + std::to_string(i + 1);
        if (c == '*')
            return refusal(pattern, "an asterisk is allowed only alone or as .* at the end" + at);
        if (c == '.') {
            if (i == 0 || i + 1 == segments.size() || segments[i + 1] == '.')
                return refusal(pattern, "empty part between dots" + at + "; " + kAllowed);
            continue;
        }
        if (!is_segment_char(c))
            return refusal(pattern, describe_byte(c) + " is not allowed" + at + "; " + kAllowed);
    }
    if (segments.empty()) return refusal(pattern, std::string("nothing before .*; ") + kAllowed);
    return std::nullopt;
}

EventTypePatternList parse_event_type_patterns(const std::vector<std::string> &patterns) {
    EventTypePatternList list;
    if (patterns.empty()) {
        list.problem = "event_types must contain at least one pattern (* for every event)";
        return list;
    }
    if (patterns.size() > kMaxEventTypePatterns) {
        list.problem = "event_types has " + std::to_string(patterns.size()) +
                       " patterns; at most " + std::to_string(kMaxEventTypePatterns) +
                       " are allowed";
        return list;
    }
    for (const std::string &text : patterns) {
        if (std::optional<std::string> problem = event_type_pattern_problem(text)) {
            list.problem = std::move(problem);
            list.patterns.clear();
            return list;
        }
        EventTypePattern pattern;
        if (text == "*") {
            pattern.kind = PatternKind::Any;
        } else if (text.size() > 2 && text.compare(text.size() - 2, 2, ".*") == 0) {
            pattern.kind = PatternKind::Prefix;
            pattern.text = text.substr(0, text.size() - 1);  // keeps the dot
        } else {
            pattern.kind = PatternKind::Exact;
            pattern.text = text;
        }
        if (std::find(list.patterns.begin(), list.patterns.end(), pattern) == list.patterns.end())
            list.patterns.push_back(std::move(pattern));
    }
    return list;
}

bool event_type_matches(const EventTypePattern &pattern, std::string_view event_type) {
    switch (pattern.kind) {
        case PatternKind::Any:
            return true;
        case PatternKind::Prefix:
            return event_type.size() > pattern.text.size() &&
                   event_type.substr(0, pattern.text.size()) == pattern.text;
        case PatternKind::Exact:
            return event_type == pattern.text;
    }
    return false;
}

bool event_type_matches_any(const std::vector<EventTypePattern> &patterns,
                            std::string_view event_type) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const EventTypePattern &pattern) {
        return event_type_matches(pattern, event_type);
    });
}

std::string pattern_text(const EventTypePattern &pattern) {
    switch (pattern.kind) {
        case PatternKind::Any:
            return "*";
        case PatternKind::Prefix:
            return pattern.text + "*";
        case PatternKind::Exact:
            return pattern.text;
    }
    return "";
}

}  // namespace booking_events
