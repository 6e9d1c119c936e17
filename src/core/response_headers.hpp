// The response headers the driver keeps from a transfer, read line by line
// as libcurl hands them over.
#pragma once

#include <string>
#include <string_view>

namespace booking_events {

struct ResponseHeaders {
    // Retry-After of the final response, trimmed, as the receiver sent it.
    std::string retry_after;
    // Content-Length of the final response, trimmed, as the receiver sent it.
    std::string declared_length;

    // One header line, with or without its CRLF. A status line starts a new
    // response: what an interim response (100 Continue, 103 Early Hints)
    // said must not count for the final one. Names match in any case.
    // May throw std::bad_alloc.
    void read_line(std::string_view line);
};

}  // namespace booking_events
