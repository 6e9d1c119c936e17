#include "core/response_headers.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

struct HeaderCase {
    const char *what;
    std::vector<std::string> lines;  // as libcurl hands them over
    std::string retry_after;         // what is kept
    std::string declared_length;
};

class ResponseHeadersTest : public testing::TestWithParam<HeaderCase> {};

TEST_P(ResponseHeadersTest, KeepsWhatTheFinalResponseSaid) {
    const HeaderCase &header_case = GetParam();
    ResponseHeaders headers;
    for (const std::string &line : header_case.lines) headers.read_line(line);
    EXPECT_EQ(headers.retry_after, header_case.retry_after) << header_case.what;
    EXPECT_EQ(headers.declared_length, header_case.declared_length) << header_case.what;
}

INSTANTIATE_TEST_SUITE_P(
    Lines, ResponseHeadersTest,
    testing::Values(
        HeaderCase{"trimmed values",
                   {"HTTP/1.1 429 Too Many Requests\r\n", "Retry-After: \t 120 \r\n",
                    "Content-Length:17\r\n", "\r\n"},
                   "120",
                   "17"},
        HeaderCase{"names in any case, no CRLF",
                   {"retry-after: Wed, 21 Oct 2026 07:28:00 GMT\r\n", "CONTENT-LENGTH: 5"},
                   "Wed, 21 Oct 2026 07:28:00 GMT",
                   "5"},
        HeaderCase{"lookalikes and other headers ignored",
                   {"X-Retry-After: 5\r\n", "Retry-After-Ms: 5\r\n", "Content-Type: text/plain\r\n",
                    "Retry-After\r\n", ""},
                   "",
                   ""},
        HeaderCase{"an interim response does not count for the final one",
                   {"HTTP/1.1 103 Early Hints\r\n", "Retry-After: 30\r\n", "Content-Length: 0\r\n",
                    "\r\n", "HTTP/1.1 503 Service Unavailable\r\n", "Content-Length: 9\r\n"},
                   "",
                   "9"},
        HeaderCase{"a later value replaces an earlier one",
                   {"Retry-After: 1\r\n", "Retry-After: 2\r\n"},
                   "2",
                   ""},
        HeaderCase{"an empty value stays empty", {"Retry-After:   \r\n"}, "", ""}));

}  // namespace
}  // namespace booking_events
