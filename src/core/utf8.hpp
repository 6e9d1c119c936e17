// Well-formed UTF-8: checking it, and making text of unknown bytes into it.
#pragma once

#include <cstddef>
#include <string>

namespace booking_events {

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code
// points past U+10FFFF): what nlohmann's dump accepts without replacing.
bool is_valid_utf8(const char *text, std::size_t length);

// `text` with every byte that starts no well-formed sequence replaced by
// U+FFFD; valid text comes back unchanged. For bytes of no declared encoding
// (a SQL_ASCII database), which a JSON parser would refuse whole.
std::string with_invalid_utf8_replaced(std::string text);

}  // namespace booking_events
