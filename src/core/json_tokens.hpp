// A JSON tree as the flat sequence of tokens a jsonb builder consumes, so
// that the outbox's payload is built as jsonb directly instead of being
// written as text (serialize_event) and parsed again by jsonb_in. The tokens
// describe the same value jsonb_in would read from serialize_event's text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/event_payload.hpp"
#include "core/utf8.hpp"

namespace booking_events {

enum class JsonTokenKind {
    BeginObject,
    EndObject,
    BeginArray,
    EndArray,
    Key,
    Null,
    Bool,
    Integer,     // `integer`
    NumberText,  // `text`: a number as serialize_event writes it
    String,
    Opaque,  // `opaque`: an object or array the caller writes itself
};

struct JsonToken {
    JsonTokenKind kind = JsonTokenKind::Null;
    bool in_array = false;  // a scalar that is an array element, not an object's value
    bool boolean = false;
    std::int64_t integer = 0;
    const char *text = nullptr;  // Key, String, NumberText: not NUL-terminated
    std::size_t length = 0;
    const void *opaque = nullptr;
};

struct JsonTokens {
    std::vector<JsonToken> tokens;
    // False when a string or key holds bytes the text path treats specially:
    // a NUL (jsonb refuses "\u0000" with an ERROR) or, for TextBytes::Utf8,
    // an invalid UTF-8 sequence (replaced by U+FFFD). Such an event takes the
    // text path, whose behaviour is the reference.
    bool direct = true;
    // Texts tokens point to that nothing else holds (a deque: its strings
    // never move).
    std::deque<std::string> kept_texts;
};

// The tokens of `value`, which must be an object or an array. Strings and
// keys point into `value`, which must outlive the result.
void tokenize_json(const nlohmann::json &value, TextBytes bytes, JsonTokens *out);

// Appends a Key or String token for `length` bytes at `text`, which must
// outlive `out`; clears out->direct when the text path must write it.
void append_text_token(JsonTokenKind kind, const char *text, std::size_t length, bool in_array,
                       TextBytes bytes, JsonTokens *out);

// A number inside a json or jsonb value, `text` as PostgreSQL writes it,
// as the payload holds it: what nlohmann reads it as (an int64, or the
// number serialize_event writes back: an unsigned or a double). False when
// nlohmann refuses it (a double overflows): the text path then carries the
// whole value as a string.
struct JsonNumber {
    bool is_integer = false;
    std::int64_t integer = 0;
    char written[32] = {};  // !is_integer: NUL-terminated
};
bool read_json_number(const char *text, std::size_t length, JsonNumber *out);

}  // namespace booking_events
