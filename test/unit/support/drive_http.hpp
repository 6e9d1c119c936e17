// Driving an HttpDriver in the unit tests: a request to a test server, and
// the loop that runs the driver until results arrive.
#pragma once

#include "core/http_driver.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace booking_events::test_support {

// A JSON POST with five-second timeouts.
HttpRequest post_to(const std::string &url, std::string body = "{}", std::uint64_t tag = 1);

// Runs the driver until `wanted` results arrived or `limit` passed.
std::vector<HttpResult> run_until_results(
    HttpDriver &driver, std::size_t wanted,
    std::chrono::milliseconds limit = std::chrono::milliseconds(5000));

// Submits one request and returns its result (a test failure if none comes).
HttpResult send_one(HttpDriver &driver, HttpRequest request);

}  // namespace booking_events::test_support
