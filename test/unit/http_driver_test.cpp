// The HTTP driver on the wire: what it sends, what it reads back.
#include "core/http_driver.hpp"

#include "support/drive_http.hpp"
#include "support/test_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using namespace test_support;

TEST(HttpDriverTest, PostsBodyBytesAndHeadersExactly) {
    TestServer server([](const RecordedRequest &) { return respond(200, {}, "accepted"); });
    HttpDriverOptions options;
    options.user_agent = "booking_events/test";
    HttpDriver driver(options);

    std::string body;
    for (int value = 0; value < 256; ++value) body.push_back(static_cast<char>(value));
    body += "{\"tail\": \"\xC3\xA9\"}";
    HttpRequest request = post_to(server.url("/hooks/abc"), body, 42);
    request.headers = {"Content-Type: application/json", "webhook-id: 1234",
                       "x-make-apikey: key-value"};
    const HttpResult result = send_one(driver, request);

    EXPECT_EQ(result.tag, 42u);
    EXPECT_EQ(result.http_status, 200);
    EXPECT_EQ(result.error, "");
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.body_excerpt, "accepted");
    EXPECT_GT(result.response_time_ms, 0.0);
    EXPECT_EQ(driver.in_flight(), 0u);

    const std::vector<RecordedRequest> received = server.requests();
    ASSERT_EQ(received.size(), 1u);
    const RecordedRequest &arrived = received.front();
    EXPECT_EQ(arrived.method, "POST");
    EXPECT_EQ(arrived.target, "/hooks/abc");
    EXPECT_EQ(arrived.body, body);
    EXPECT_EQ(arrived.header("Content-Length"), std::to_string(body.size()));
    EXPECT_EQ(arrived.header("Content-Type"), "application/json");
    EXPECT_EQ(arrived.header("webhook-id"), "1234");
    EXPECT_EQ(arrived.header("x-make-apikey"), "key-value");
    EXPECT_EQ(arrived.header("User-Agent"), "booking_events/test");
    EXPECT_EQ(arrived.header("Expect"), std::nullopt);
}

TEST(HttpDriverTest, SendsLargeBodyWithoutWaitingForContinue) {
    TestServer server([](const RecordedRequest &) { return respond(204, {}, ""); });
    HttpDriver driver;
    std::string body(2 * 1024 * 1024, '\0');
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7);

    const Clock::time_point start = Clock::now();
    const HttpResult result = send_one(driver, post_to(server.url(), body));

    EXPECT_EQ(result.http_status, 204);
    EXPECT_EQ(result.error, "");
    // libcurl would otherwise wait a second for a 100 Continue that never comes.
    EXPECT_LT(Clock::now() - start, 900ms);
    const std::vector<RecordedRequest> received = server.requests();
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received.front().header("Expect"), std::nullopt);
    EXPECT_TRUE(received.front().body == body);
}

TEST(HttpDriverTest, PostsEmptyBody) {
    TestServer server([](const RecordedRequest &) { return respond(200); });
    HttpDriver driver;
    const HttpResult result = send_one(driver, post_to(server.url(), ""));
    EXPECT_EQ(result.http_status, 200);
    EXPECT_EQ(result.error, "");
    const std::vector<RecordedRequest> received = server.requests();
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received.front().method, "POST");
    EXPECT_EQ(received.front().header("Content-Length"), "0");
}

TEST(HttpDriverTest, UserAgentChangeAppliesToLaterRequests) {
    TestServer server([](const RecordedRequest &) { return respond(200); });
    HttpDriver driver;
    send_one(driver, post_to(server.url()));
    HttpDriverOptions options;
    options.user_agent = "booking_events/2.0";
    driver.set_options(options);
    send_one(driver, post_to(server.url()));

    const std::vector<RecordedRequest> received = server.requests();
    ASSERT_EQ(received.size(), 2u);
    EXPECT_EQ(received[0].header("User-Agent"), std::nullopt);
    EXPECT_EQ(received[1].header("User-Agent"), "booking_events/2.0");
}

// Retry-After as the receiver wrote it (trimmed; seconds or an HTTP date,
// read later by the policy), and only from the final response: an interim
// 100 Continue may carry one too.
TEST(HttpDriverTest, ReportsTheRetryAfterOfTheFinalResponse) {
    struct Answer {
        std::string target;
        Reply reply;
        long http_status;
        std::string retry_after;
        std::string body_excerpt;
    };
    const std::vector<Answer> answers = {
        {"/busy", respond(503, {"Retry-After: 120"}, "later"), 503, "120", "later"},
        {"/limited", respond(429, {"retry-after:   30  "}), 429, "30", "ok"},
        {"/dated", respond(500, {"Retry-After: Wed, 21 Oct 2015 07:28:00 GMT"}), 500,
         "Wed, 21 Oct 2015 07:28:00 GMT", "ok"},
        {"/interim-only",
         raw_then_close("HTTP/1.1 100 Continue\r\nRetry-After: 99\r\n\r\n"
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
         200, "", "ok"},
        {"/both",
         raw_then_close("HTTP/1.1 100 Continue\r\nRetry-After: 99\r\n\r\n"
                        "HTTP/1.1 503 Busy\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n"),
         503, "5", ""},
    };
    TestServer server([&answers](const RecordedRequest &request) {
        for (const Answer &answer : answers)
            if (request.target == answer.target) return answer.reply;
        return respond(404);
    });
    HttpDriver driver;

    for (const Answer &answer : answers) {
        const HttpResult result = send_one(driver, post_to(server.url(answer.target)));
        EXPECT_EQ(result.http_status, answer.http_status) << answer.target;
        EXPECT_EQ(result.error, "") << answer.target;
        EXPECT_EQ(result.retry_after, answer.retry_after) << answer.target;
        EXPECT_EQ(result.body_excerpt, answer.body_excerpt) << answer.target;
    }
}

TEST(HttpDriverTest, KeepsOnlyTheConfiguredBodyExcerpt) {
    TestServer server(
        [](const RecordedRequest &) { return respond(400, {}, std::string(100, 'e')); });
    HttpDriverOptions options;
    options.max_body_excerpt = 16;
    HttpDriver driver(options);
    const HttpResult result = send_one(driver, post_to(server.url()));
    EXPECT_EQ(result.http_status, 400);
    EXPECT_EQ(result.error, "");
    EXPECT_EQ(result.body_excerpt, std::string(16, 'e'));
}

TEST(HttpDriverTest, ReusesTheConnectionForSequentialRequests) {
    TestServer server([](const RecordedRequest &) { return respond(200); });
    HttpDriver driver;
    for (std::uint64_t tag = 1; tag <= 5; ++tag) {
        const HttpResult result = send_one(driver, post_to(server.url(), "{}", tag));
        EXPECT_EQ(result.tag, tag);
        EXPECT_EQ(result.http_status, 200);
    }
    EXPECT_EQ(server.requests().size(), 5u);
    EXPECT_EQ(server.connections_accepted(), 1);
}

// libcurl's own rule keeps 4 connections per transfer in flight: as a
// round's last answers came in it closed the oldest, and single requests
// closed more, so the next round connected anew (BENCHMARKS.md, "deliver9").
TEST(HttpDriverTest, KeepsItsConnectionsBetweenRounds) {
    constexpr int kRound = 8;
    std::mutex mutex;
    std::condition_variable arrived;
    int requests = 0;
    int answer_once = 0;  // a request is answered once this many have arrived
    TestServer server([&](const RecordedRequest &) {
        std::unique_lock<std::mutex> lock(mutex);
        ++requests;
        arrived.notify_all();
        arrived.wait_for(lock, 5s, [&] { return requests >= answer_once; });
        return respond(200);
    });
    auto answer_from = [&](int count) {
        std::lock_guard<std::mutex> lock(mutex);
        answer_once = count;
    };
    HttpDriverOptions options;
    options.kept_connections = kRound;
    HttpDriver driver(options);
    // No request is answered before the whole round arrived: one connection each.
    auto round = [&](std::uint64_t first_tag) {
        for (std::uint64_t i = 0; i < kRound; ++i)
            driver.submit(post_to(server.url(), "{}", first_tag + i));
        EXPECT_EQ(run_until_results(driver, kRound).size(), static_cast<std::size_t>(kRound));
    };
    answer_from(kRound);
    round(1);
    ASSERT_EQ(server.connections_accepted(), kRound);
    answer_from(0);
    for (std::uint64_t tag = 100; tag < 104; ++tag)
        EXPECT_EQ(send_one(driver, post_to(server.url(), "{}", tag)).http_status, 200);
    answer_from(2 * kRound + 4);
    round(200);
    EXPECT_EQ(server.connections_accepted(), kRound);
}

TEST(HttpDriverTest, DoesNotFollowRedirects) {
    TestServer server(
        [&](const RecordedRequest &) { return respond(302, {"Location: /elsewhere"}, ""); });
    HttpDriver driver;
    const HttpResult result = send_one(driver, post_to(server.url("/hook")));
    EXPECT_EQ(result.http_status, 302);
    EXPECT_EQ(result.error, "");
    const std::vector<RecordedRequest> received = server.requests();
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received.front().target, "/hook");
}

TEST(HttpDriverTest, RejectsSchemesOtherThanHttp) {
    TestServer server([](const RecordedRequest &) { return respond(200); });
    HttpDriver driver;
    const std::string authority = "127.0.0.1:" + std::to_string(server.port());
    for (const std::string &url :
         {"ftp://" + authority + "/hook", std::string("file:///etc/hostname"),
          "dict://" + authority + "/", "gopher://" + authority + "/"}) {
        const HttpResult result = send_one(driver, post_to(url));
        EXPECT_EQ(result.http_status, 0) << url;
        EXPECT_EQ(result.error, "unsupported URL scheme (only http and https are allowed)") << url;
    }
    EXPECT_EQ(server.connections_accepted(), 0);
}

TEST(HttpDriverTest, ReportsMalformedUrl) {
    HttpDriver driver;
    const HttpResult result = send_one(driver, post_to("http://[::1"));
    EXPECT_EQ(result.http_status, 0);
    EXPECT_EQ(result.error, "malformed URL");
}

}  // namespace
}  // namespace booking_events
