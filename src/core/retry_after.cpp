#include "core/retry_after.hpp"

#include "core/text.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace booking_events {

std::optional<std::int64_t> parse_retry_after_ms(std::string_view value, std::int64_t now_unix_ms) {
    value = trim_ascii_whitespace(value);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        // Anything beyond a year is treated as a year: the cap is applied later anyway.
        if (value.size() > 8) return std::int64_t{365} * 86400 * 1000;
        return std::stoll(std::string(value)) * 1000;
    }
    // curl_getdate needs a NUL-terminated string; -1 means "not a date" (it
    // is also 1969-12-31T23:59:59, a past date, which would give 0 anyway).
    const time_t at = curl_getdate(std::string(value).c_str(), nullptr);
    if (at == -1) return std::nullopt;
    return std::max<std::int64_t>(0, static_cast<std::int64_t>(at) * 1000 - now_unix_ms);
}

}  // namespace booking_events
