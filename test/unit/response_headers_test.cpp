#include "core/response_headers.hpp"

#include <gtest/gtest.h>

namespace booking_events {
namespace {

TEST(ResponseHeadersTest, KeepsRetryAfterAndContentLengthTrimmed) {
    ResponseHeaders headers;
    headers.read_line("HTTP/1.1 429 Too Many Requests\r\n");
    headers.read_line("Retry-After: \t 120 \r\n");
    headers.read_line("Content-Length:17\r\n");
    headers.read_line("\r\n");
    EXPECT_EQ(headers.retry_after, "120");
    EXPECT_EQ(headers.declared_length, "17");
}

TEST(ResponseHeadersTest, NamesMatchInAnyCase) {
    ResponseHeaders headers;
    headers.read_line("retry-after: Wed, 21 Oct 2026 07:28:00 GMT\r\n");
    headers.read_line("CONTENT-LENGTH: 5");
    EXPECT_EQ(headers.retry_after, "Wed, 21 Oct 2026 07:28:00 GMT");
    EXPECT_EQ(headers.declared_length, "5");
}

TEST(ResponseHeadersTest, OtherHeadersAndLookalikesAreIgnored) {
    ResponseHeaders headers;
    headers.read_line("X-Retry-After: 5\r\n");
    headers.read_line("Retry-After-Ms: 5\r\n");
    headers.read_line("Content-Type: text/plain\r\n");
    headers.read_line("Retry-After\r\n");
    headers.read_line("");
    EXPECT_EQ(headers.retry_after, "");
    EXPECT_EQ(headers.declared_length, "");
}

TEST(ResponseHeadersTest, InterimResponseDoesNotCountForTheFinalOne) {
    ResponseHeaders headers;
    headers.read_line("HTTP/1.1 103 Early Hints\r\n");
    headers.read_line("Retry-After: 30\r\n");
    headers.read_line("Content-Length: 0\r\n");
    headers.read_line("\r\n");
    headers.read_line("HTTP/1.1 503 Service Unavailable\r\n");
    EXPECT_EQ(headers.retry_after, "");
    EXPECT_EQ(headers.declared_length, "");
    headers.read_line("Content-Length: 9\r\n");
    EXPECT_EQ(headers.declared_length, "9");
    EXPECT_EQ(headers.retry_after, "");
}

TEST(ResponseHeadersTest, LaterValueReplacesAnEarlierOne) {
    ResponseHeaders headers;
    headers.read_line("Retry-After: 1\r\n");
    headers.read_line("Retry-After: 2\r\n");
    EXPECT_EQ(headers.retry_after, "2");
}

TEST(ResponseHeadersTest, EmptyValueIsKeptEmpty) {
    ResponseHeaders headers;
    headers.read_line("Retry-After:   \r\n");
    EXPECT_EQ(headers.retry_after, "");
}

}  // namespace
}  // namespace booking_events
