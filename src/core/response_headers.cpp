#include "core/response_headers.hpp"
#include "core/text.hpp"

#include <strings.h>

namespace booking_events {

namespace {

constexpr std::string_view kStatusLine = "HTTP/";
constexpr std::string_view kRetryAfter = "Retry-After:";
constexpr std::string_view kContentLength = "Content-Length:";

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

}  // namespace

void ResponseHeaders::read_line(std::string_view line) {
    if (starts_with_ignoring_case(line, kStatusLine)) {
        retry_after.clear();
        declared_length.clear();
    } else if (starts_with_ignoring_case(line, kRetryAfter)) {
        retry_after = std::string(trim_ascii_whitespace(line.substr(kRetryAfter.size())));
    } else if (starts_with_ignoring_case(line, kContentLength)) {
        declared_length = std::string(trim_ascii_whitespace(line.substr(kContentLength.size())));
    }
}

}  // namespace booking_events
