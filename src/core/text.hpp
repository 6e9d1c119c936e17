// Small text helpers shared by the core.
#pragma once

#include <string_view>

namespace booking_events {

// `text` without leading and trailing ASCII whitespace (space, \t, \n, \v,
// \f, \r): what HTTP header values and pasted settings carry around them.
constexpr std::string_view trim_ascii_whitespace(std::string_view text) {
    constexpr std::string_view kWhitespace = " \t\n\v\f\r";
    const std::size_t first = text.find_first_not_of(kWhitespace);
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

}  // namespace booking_events
