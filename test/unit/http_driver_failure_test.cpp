// The HTTP driver against failing receivers: refused, stalled, cut,
// garbage, huge; and many transfers at once.
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
#include <poll.h>

namespace booking_events {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using namespace test_support;

// A request that ran out of time: flagged as a timeout, with the status
// line it got before (0 for none) and the text the logs will show.
void expect_timed_out(const HttpResult &result, long http_status, const std::string &error) {
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.http_status, http_status);
    EXPECT_EQ(result.error, error);
}

TEST(HttpDriverTest, ReportsRefusedConnection) {
    RefusingPort port;
    HttpDriver driver;
    const HttpResult result = send_one(driver, post_to(port.url(), "{}", 9));
    EXPECT_EQ(result.tag, 9u);
    EXPECT_EQ(result.http_status, 0);
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.error, "connection refused");
}

TEST(HttpDriverTest, TimesOutWhenTheServerStalls) {
    TestServer server([](const RecordedRequest &) { return stall_forever(); });
    HttpDriver driver;
    HttpRequest request = post_to(server.url());
    request.timeout_ms = 300;
    request.connect_timeout_ms = 300;
    const HttpResult result = send_one(driver, request);
    expect_timed_out(result, 0, "timed out after 300 ms");
    EXPECT_GE(result.response_time_ms, 290.0);
    EXPECT_EQ(driver.in_flight(), 0u);
}

TEST(HttpDriverTest, EarlyTimeoutCallKeepsTheTimer) {
    TestServer server([](const RecordedRequest &) { return stall_forever(); });
    HttpDriver driver;
    HttpRequest request = post_to(server.url());
    request.timeout_ms = 300;
    driver.submit(request);
    const Clock::time_point deadline = Clock::now() + 5s;
    while (server.requests().empty() && Clock::now() < deadline) driver.run_once(10);
    ASSERT_EQ(server.requests().size(), 1u);

    // Nothing is due yet; the request's own timeout must still be scheduled.
    ASSERT_GT(driver.timeout_ms(), 0);
    driver.on_timeout();
    EXPECT_GT(driver.timeout_ms(), 0);
    const std::vector<HttpResult> results = run_until_results(driver, 1);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_TRUE(results.front().timed_out);
}

TEST(HttpDriverTest, TimeoutAfterTheStatusLineKeepsTheStatus) {
    TestServer server([](const RecordedRequest &) {
        Reply reply = raw_then_close("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        reply.stall_after_raw = true;
        return reply;
    });
    HttpDriver driver;
    HttpRequest request = post_to(server.url());
    request.timeout_ms = 300;
    const HttpResult result = send_one(driver, request);
    expect_timed_out(result, 200, "timed out after 300 ms");
    EXPECT_EQ(result.body_excerpt, "abc");
}

TEST(HttpDriverTest, ReportsConnectionClosedMidResponse) {
    TestServer server([](const RecordedRequest &) {
        return raw_then_close("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
    });
    HttpDriver driver;
    const HttpResult result = send_one(driver, post_to(server.url()));
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.http_status, 200);
    EXPECT_EQ(result.error, "connection closed before the response was complete");
}

TEST(HttpDriverTest, ReportsConnectionClosedWithoutResponse) {
    TestServer server([](const RecordedRequest &) { return raw_then_close(""); });
    HttpDriver driver;
    const HttpResult result = send_one(driver, post_to(server.url()));
    EXPECT_EQ(result.http_status, 0);
    EXPECT_EQ(result.error, "connection closed without a response");
}

TEST(HttpDriverTest, ReportsGarbageAsInvalidResponse) {
    TestServer server([](const RecordedRequest &request) {
        if (request.target == "/not-http") return raw_then_close("this is not http at all\r\n\r\n");
        return raw_then_close("HTTP/1.1 abc\r\n\r\n");
    });
    HttpDriver driver;
    for (const std::string path : {"/not-http", "/bad-status"}) {
        const HttpResult result = send_one(driver, post_to(server.url(path)));
        EXPECT_EQ(result.http_status, 0) << path;
        EXPECT_EQ(result.error, "invalid HTTP response") << path;
    }
}

TEST(HttpDriverTest, AbortsHugeResponses) {
    TestServer server([](const RecordedRequest &request) {
        Reply reply;
        reply.kind = Reply::Kind::HugeBody;
        reply.huge_bytes = 8 * 1024 * 1024;
        reply.declare_length = request.target == "/declared";
        return reply;
    });
    HttpDriverOptions options;
    options.max_response_bytes = 1024 * 1024;
    options.max_body_excerpt = 64;
    HttpDriver driver(options);
    const HttpResult declared = send_one(driver, post_to(server.url("/declared")));
    EXPECT_EQ(declared.http_status, 200);
    EXPECT_EQ(declared.error,
              "response declared a body of 8388608 bytes (Content-Length), over the limit of "
              "1048576 bytes");
    const HttpResult until_close = send_one(driver, post_to(server.url("/until-close")));
    EXPECT_EQ(until_close.http_status, 200);
    EXPECT_EQ(until_close.error, "response body larger than 1048576 bytes");
    EXPECT_LE(until_close.body_excerpt.size(), 64u);
}

TEST(HttpDriverTest, ADeclaredLengthIsNotReportedAsReceived) {
    // 2 GiB declared, 3 bytes sent: refused on the declaration, and said so.
    TestServer server([](const RecordedRequest &) {
        return raw_then_close("HTTP/1.1 200 OK\r\nContent-Length: 2147483648\r\n\r\nabc");
    });
    HttpDriver driver;
    const HttpResult result = send_one(driver, post_to(server.url()));
    EXPECT_EQ(result.http_status, 200);
    EXPECT_EQ(result.error.find("larger than"), std::string::npos) << result.error;
    EXPECT_NE(result.error.find("declared a body of 2147483648 bytes"), std::string::npos)
        << result.error;
}

TEST(HttpDriverTest, AnAnswerReadLateIsNotATimeout) {
    // The caller is busy elsewhere (the worker waiting on a database lock)
    // for longer than the request timeout while the answer sits in the socket.
    TestServer server([](const RecordedRequest &) { return respond(200); });
    HttpDriver driver;
    HttpRequest request = post_to(server.url());
    request.timeout_ms = 300;
    driver.submit(request);
    const Clock::time_point deadline = Clock::now() + 5s;
    while (server.requests().empty() && Clock::now() < deadline) {
        driver.on_timeout();
        std::this_thread::sleep_for(1ms);
    }
    ASSERT_EQ(server.requests().size(), 1u);
    std::this_thread::sleep_for(800ms);
    // As the worker does after a stall: the timer is overdue.
    EXPECT_EQ(driver.timeout_ms(), 0);
    driver.on_timeout();
    std::vector<HttpResult> results = driver.take_completed();
    if (results.empty()) results = run_until_results(driver, 1);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_FALSE(results.front().timed_out);
    EXPECT_EQ(results.front().http_status, 200);
    EXPECT_EQ(results.front().error, "");
}

TEST(HttpDriverTest, AcceptsResponseOfExactlyTheLimit) {
    TestServer server([](const RecordedRequest &request) {
        Reply reply;
        reply.kind = Reply::Kind::HugeBody;
        reply.huge_bytes = request.target == "/at-limit" ? 1000 : 1001;
        reply.declare_length = false;
        return reply;
    });
    HttpDriverOptions options;
    options.max_response_bytes = 1000;
    HttpDriver driver(options);
    EXPECT_EQ(send_one(driver, post_to(server.url("/at-limit"))).error, "");
    EXPECT_EQ(send_one(driver, post_to(server.url("/over-limit"))).error,
              "response body larger than 1000 bytes");
}

TEST(HttpDriverTest, ReportsTlsHandshakeFailure) {
    // A plain HTTP answer where the TLS handshake expects a ServerHello.
    TestServer server([](const RecordedRequest &) { return respond(200); },
                      "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    HttpDriver driver;
    const HttpResult result =
        send_one(driver, post_to("https://127.0.0.1:" + std::to_string(server.port()) + "/hook"));
    EXPECT_EQ(result.http_status, 0);
    // Our own words only: the TLS library's message is not passed on.
    EXPECT_EQ(result.error, "TLS handshake failed");
}

#ifdef __linux__
TEST(HttpDriverTest, ReportsConnectTimeout) {
    // Linux drops a SYN while the listener's accept queue is full; with a
    // backlog of 0 one unaccepted connection fills it, so connecting stalls.
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof(address)), 0);
    ASSERT_EQ(listen(listener, 0), 0);
    ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length), 0);
    const int filler = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(connect(filler, reinterpret_cast<sockaddr *>(&address), sizeof(address)), 0);

    HttpDriver driver;
    HttpRequest request =
        post_to("http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/hook");
    request.timeout_ms = 3000;
    request.connect_timeout_ms = 200;
    const HttpResult result = send_one(driver, request);
    expect_timed_out(result, 0, "connect timed out after 200 ms");
    close(filler);
    close(listener);
}
#endif

TEST(HttpDriverTest, ErrorsNeverContainCredentialsOrQuery) {
    TestServer server([](const RecordedRequest &request) {
        if (request.target.rfind("/garbage", 0) == 0) return raw_then_close("garbage\r\n\r\n");
        Reply reply;
        reply.kind = Reply::Kind::Stall;
        return reply;
    });
    TestServer tls_server([](const RecordedRequest &) { return respond(200); },
                          "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    RefusingPort refusing;
    const std::string secret_part = "alice:s3cretpw@";
    const std::string query = "?api_key=topsecret";
    auto with_secrets = [&](const std::string &url) {
        const std::size_t authority = url.find("//") + 2;
        return url.substr(0, authority) + secret_part + url.substr(authority) + query;
    };
    HttpDriver driver;
    std::vector<HttpRequest> requests = {
        post_to(with_secrets(refusing.url())),
        post_to(with_secrets(server.url("/garbage"))),
        post_to(with_secrets(server.url("/stall"))),
        post_to("ftp://" + secret_part + "127.0.0.1/x" + query),
        post_to("http://" + secret_part + "[::1" + query),
        post_to(with_secrets(tls_server.url()).replace(0, 4, "https"))};
    requests[2].timeout_ms = 200;
    for (const HttpRequest &request : requests) {
        const HttpResult result = send_one(driver, request);
        EXPECT_NE(result.error, "") << request.url;
        for (const char *secret : {"alice", "s3cretpw", "topsecret", "api_key"})
            EXPECT_EQ(result.error.find(secret), std::string::npos) << result.error;
    }
}

TEST(HttpDriverTest, RunsManyRequestsConcurrently) {
    TestServer server([](const RecordedRequest &request) {
        Reply reply;
        if (request.target == "/stall") {
            reply.kind = Reply::Kind::Stall;
        } else if (request.target == "/slow") {
            reply.delay = 300ms;
        }
        return reply;
    });
    HttpDriver driver;
    HttpRequest stalled = post_to(server.url("/stall"), "{}", 1000);
    stalled.timeout_ms = 4000;
    driver.submit(stalled);
    constexpr std::uint64_t kRequests = 50;
    for (std::uint64_t tag = 0; tag < kRequests; ++tag)
        driver.submit(post_to(server.url(tag % 2 == 0 ? "/slow" : "/fast"), "{}", tag));
    EXPECT_EQ(driver.in_flight(), kRequests + 1);

    const Clock::time_point start = Clock::now();
    std::vector<HttpResult> results = run_until_results(driver, kRequests, 3s);
    // One after the other, the slow half alone would take 25 * 300 ms.
    EXPECT_LT(Clock::now() - start, 2s);

    ASSERT_EQ(results.size(), kRequests);
    std::vector<std::uint64_t> tags;
    for (const HttpResult &result : results) {
        EXPECT_EQ(result.http_status, 200) << result.tag << ": " << result.error;
        tags.push_back(result.tag);
    }
    std::sort(tags.begin(), tags.end());
    for (std::uint64_t tag = 0; tag < kRequests; ++tag) EXPECT_EQ(tags[tag], tag);
    // The stalled request is still waiting; the driver abandons it on destruction.
    EXPECT_EQ(driver.in_flight(), 1u);
}

TEST(HttpDriverTest, DrivenThroughTheEventLoopInterface) {
    TestServer server([](const RecordedRequest &) { return respond(201); });
    HttpDriver driver;
    EXPECT_EQ(driver.timeout_ms(), -1);
    EXPECT_TRUE(driver.socket_watches().empty());

    driver.submit(post_to(server.url(), "{}", 7));
    EXPECT_EQ(driver.in_flight(), 1u);
    EXPECT_EQ(driver.timeout_ms(), 0);  // libcurl starts the transfer at its next timeout

    std::vector<HttpResult> results;
    bool watched_a_socket = false;
    const Clock::time_point deadline = Clock::now() + 5s;
    while (results.empty() && Clock::now() < deadline) {
        std::vector<pollfd> polled;
        for (const HttpDriver::SocketWatch &watch : driver.socket_watches()) {
            watched_a_socket = true;
            EXPECT_TRUE(watch.want_read || watch.want_write);
            polled.push_back(pollfd{watch.fd,
                                    static_cast<short>((watch.want_read ? POLLIN : 0) |
                                                       (watch.want_write ? POLLOUT : 0)),
                                    0});
        }
        const long timer = driver.timeout_ms();
        const int wait = timer < 0 ? 100 : static_cast<int>(std::min(timer, 100L));
        poll(polled.data(), polled.size(), wait);
        for (const pollfd &entry : polled)
            if (entry.revents != 0)
                driver.on_socket_ready(entry.fd, (entry.revents & (POLLIN | POLLHUP)) != 0,
                                       (entry.revents & POLLOUT) != 0);
        if (driver.timeout_ms() == 0) driver.on_timeout();
        results = driver.take_completed();
    }
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results.front().tag, 7u);
    EXPECT_EQ(results.front().http_status, 201);
    EXPECT_TRUE(watched_a_socket);
    EXPECT_EQ(driver.in_flight(), 0u);
    EXPECT_TRUE(driver.take_completed().empty());
}

TEST(HttpDriverTest, DestroysWithTransfersInFlight) {
    TestServer server([](const RecordedRequest &) { return stall_forever(); });
    auto driver = std::make_unique<HttpDriver>();
    for (std::uint64_t tag = 0; tag < 3; ++tag) driver->submit(post_to(server.url(), "{}", tag));
    const Clock::time_point deadline = Clock::now() + 5s;
    while (server.requests().size() < 3 && Clock::now() < deadline) driver->run_once(20);
    EXPECT_EQ(server.requests().size(), 3u);
    EXPECT_EQ(driver->in_flight(), 3u);
    driver.reset();  // must release every handle (the sanitizer build checks)
}

}  // namespace
}  // namespace booking_events
