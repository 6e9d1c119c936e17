// What webhook_logs.error says about a transfer that failed: short texts of
// our own, built from libcurl's result code and facts about the transfer,
// never from libcurl's (or the TLS library's) messages, which may quote the
// URL and its credentials.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <string>

namespace booking_events {

struct FailedTransfer {
    CURL *easy;  // asked for bytes sent, the OS error and the certificate verdict
    long timeout_ms;
    long connect_timeout_ms;
    std::size_t max_response_bytes;
    std::string declared_length;  // Content-Length of the final response, as sent
    bool response_too_large;      // more than max_response_bytes arrived
    bool out_of_memory;
};

std::string describe_failure(CURLcode code, const FailedTransfer &transfer);

}  // namespace booking_events
