#include "support/drive_http.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace booking_events::test_support {

HttpRequest post_to(const std::string &url, std::string body, std::uint64_t tag) {
    HttpRequest request;
    request.tag = tag;
    request.url = url;
    request.headers = {"Content-Type: application/json"};
    request.body = std::move(body);
    request.timeout_ms = 5000;
    request.connect_timeout_ms = 5000;
    return request;
}

std::vector<HttpResult> run_until_results(HttpDriver &driver, std::size_t wanted,
                                          std::chrono::milliseconds limit) {
    std::vector<HttpResult> results;
    const std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::now() + limit;
    while (results.size() < wanted && std::chrono::steady_clock::now() < deadline) {
        driver.run_once(50);
        for (HttpResult &result : driver.take_completed()) results.push_back(std::move(result));
    }
    return results;
}

HttpResult send_one(HttpDriver &driver, HttpRequest request) {
    driver.submit(std::move(request));
    std::vector<HttpResult> results = run_until_results(driver, 1);
    if (results.size() != 1) {
        ADD_FAILURE() << "expected exactly one result, got " << results.size();
        return HttpResult{};
    }
    return results.front();
}

}  // namespace booking_events::test_support
