// The Retry-After header a receiver may send with 429 or 503 (RFC 9110
// section 10.2.3).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace booking_events {

// Parses a Retry-After value, either delta-seconds ("120") or an HTTP-date,
// into a delay from `now_unix_ms`. Dates are read by libcurl's
// curl_getdate(), which takes the three forms of RFC 9110 (IMF-fixdate,
// RFC 850, asctime) and the variants browsers accept in cookies; a date in
// the past gives 0. Unparsable values give nullopt.
std::optional<std::int64_t> parse_retry_after_ms(std::string_view value, std::int64_t now_unix_ms);

}  // namespace booking_events
