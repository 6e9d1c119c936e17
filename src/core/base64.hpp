#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace booking_events {

// RFC 4648 section 4 base64 (standard alphabet), with '=' padding.
std::string base64_encode(std::string_view bytes);

// Inverse of base64_encode. Padding may be left off (people paste secrets
// without it), but everything else is strict: no whitespace, no URL-safe
// alphabet, no misplaced '=', no leftover non-zero bits. A secret that would
// not survive a round trip is more likely mistyped than meant, so it is
// rejected with std::nullopt rather than silently turned into another key.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace booking_events
