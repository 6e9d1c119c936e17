#include "core/http_driver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
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

struct RecordedRequest {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    std::optional<std::string> header(const std::string &name) const {
        for (const auto &[key, value] : headers)
            if (strcasecmp(key.c_str(), name.c_str()) == 0) return value;
        return std::nullopt;
    }
};

// What the test server does with one request.
struct Reply {
    enum class Kind {
        Respond,   // a well-formed response after `delay`
        Stall,     // reads the request, then never answers
        Raw,       // sends `raw` as is, then closes (or stalls with stall_after_raw)
        HugeBody,  // a 200 whose body has `huge_bytes` bytes
    };
    Kind kind = Kind::Respond;
    int status = 200;
    std::vector<std::string> headers;
    std::string body = "ok";
    std::chrono::milliseconds delay{0};
    std::string raw;
    bool stall_after_raw = false;
    std::size_t huge_bytes = 0;
    bool declare_length = true;  // HugeBody without it ends the body by closing
};

Reply respond(int status, std::vector<std::string> headers = {}, std::string body = "ok") {
    Reply reply;
    reply.status = status;
    reply.headers = std::move(headers);
    reply.body = std::move(body);
    return reply;
}

Reply raw_then_close(std::string bytes) {
    Reply reply;
    reply.kind = Reply::Kind::Raw;
    reply.raw = std::move(bytes);
    return reply;
}

// A small HTTP/1.1 server on 127.0.0.1: one thread per connection, keep-alive,
// and the misbehaviours a webhook receiver can show. Everything it received is
// recorded so tests can check what arrived on the wire.
class TestServer {
  public:
    using Handler = std::function<Reply(const RecordedRequest &)>;

    // With `sent_on_accept`, every connection gets those bytes at once and is
    // closed without reading a request (for clients that wait for the server
    // to speak first, like a TLS handshake).
    explicit TestServer(Handler handler, std::string sent_on_accept = "")
        : handler_(std::move(handler)), sent_on_accept_(std::move(sent_on_accept)) {
        listener_ = socket(AF_INET, SOCK_STREAM, 0);
        if (listener_ < 0) throw std::runtime_error("socket failed");
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        socklen_t length = sizeof(address);
        if (bind(listener_, reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0 ||
            listen(listener_, 128) != 0 ||
            getsockname(listener_, reinterpret_cast<sockaddr *>(&address), &length) != 0)
            throw std::runtime_error("could not listen");
        port_ = ntohs(address.sin_port);
        if (pipe(wake_pipe_) != 0) throw std::runtime_error("pipe failed");
        accept_thread_ = std::thread([this] { accept_loop(); });
    }

    ~TestServer() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
            // Wakes connection threads blocked in recv or send.
            for (int fd : open_connections_) shutdown(fd, SHUT_RDWR);
        }
        stop_signal_.notify_all();
        const char wake = 'x';
        (void)!write(wake_pipe_[1], &wake, 1);
        accept_thread_.join();
        for (std::thread &thread : connection_threads_) thread.join();
        close(listener_);
        close(wake_pipe_[0]);
        close(wake_pipe_[1]);
    }

    std::string url(const std::string &path = "/hook") const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    int port() const { return port_; }
    int connections_accepted() const { return connections_accepted_; }
    std::vector<RecordedRequest> requests() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return requests_;
    }

  private:
    void accept_loop() {
        while (true) {
            pollfd waiting[2] = {{listener_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
            if (poll(waiting, 2, -1) < 0) continue;
            if (waiting[1].revents != 0) return;
            const int connection = accept(listener_, nullptr, nullptr);
            if (connection < 0) continue;
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopping_) {
                close(connection);
                return;
            }
            ++connections_accepted_;
            open_connections_.insert(connection);
            connection_threads_.emplace_back([this, connection] { serve(connection); });
        }
    }

    // Waits for `duration`; false when the server is stopping meanwhile.
    bool pause(std::chrono::milliseconds duration) {
        std::unique_lock<std::mutex> lock(mutex_);
        return !stop_signal_.wait_for(lock, duration, [this] { return stopping_; });
    }

    void stall() {
        std::unique_lock<std::mutex> lock(mutex_);
        stop_signal_.wait(lock, [this] { return stopping_; });
    }

    static bool send_all(int fd, const std::string &bytes) {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            const ssize_t count = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (count <= 0) return false;
            sent += static_cast<std::size_t>(count);
        }
        return true;
    }

    // Reads one request from `fd`, keeping what follows it in `pending`.
    static std::optional<RecordedRequest> read_request(int fd, std::string &pending) {
        auto receive_more = [fd, &pending] {
            char chunk[65536];
            const ssize_t count = recv(fd, chunk, sizeof(chunk), 0);
            if (count <= 0) return false;
            pending.append(chunk, static_cast<std::size_t>(count));
            return true;
        };
        std::size_t head_end;
        while ((head_end = pending.find("\r\n\r\n")) == std::string::npos)
            if (!receive_more()) return std::nullopt;

        RecordedRequest request;
        const std::string head = pending.substr(0, head_end);
        pending.erase(0, head_end + 4);
        std::size_t line_start = 0;
        bool first_line = true;
        while (line_start <= head.size()) {
            std::size_t line_end = head.find("\r\n", line_start);
            if (line_end == std::string::npos) line_end = head.size();
            const std::string line = head.substr(line_start, line_end - line_start);
            line_start = line_end + 2;
            if (first_line) {
                first_line = false;
                const std::size_t space = line.find(' ');
                request.method = line.substr(0, space);
                request.target = line.substr(space + 1, line.rfind(' ') - space - 1);
                continue;
            }
            const std::size_t colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            request.headers.emplace_back(line.substr(0, colon), value);
        }
        const std::size_t body_length = std::stoul(request.header("Content-Length").value_or("0"));
        while (pending.size() < body_length)
            if (!receive_more()) return std::nullopt;
        request.body = pending.substr(0, body_length);
        pending.erase(0, body_length);
        return request;
    }

    // Returns whether the connection may serve another request.
    bool answer(int fd, const Reply &reply) {
        switch (reply.kind) {
            case Reply::Kind::Stall:
                stall();
                return false;
            case Reply::Kind::Raw:
                send_all(fd, reply.raw);
                if (reply.stall_after_raw) stall();
                return false;
            case Reply::Kind::HugeBody: {
                std::string head = "HTTP/1.1 200 OK\r\n";
                if (reply.declare_length)
                    head += "Content-Length: " + std::to_string(reply.huge_bytes) + "\r\n";
                else
                    head += "Connection: close\r\n";
                if (!send_all(fd, head + "\r\n")) return false;
                const std::string chunk(64 * 1024, 'x');
                for (std::size_t sent = 0; sent < reply.huge_bytes; sent += chunk.size()) {
                    const std::size_t size = std::min(chunk.size(), reply.huge_bytes - sent);
                    if (!send_all(fd, chunk.substr(0, size))) return false;
                }
                return false;
            }
            case Reply::Kind::Respond:
                break;
        }
        if (reply.delay.count() > 0 && !pause(reply.delay)) return false;
        std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " Test\r\n";
        for (const std::string &line : reply.headers) response += line + "\r\n";
        response += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n";
        response += reply.body;
        return send_all(fd, response);
    }

    void serve(int fd) {
        if (!sent_on_accept_.empty()) {
            send_all(fd, sent_on_accept_);
        } else {
            std::string pending;
            while (std::optional<RecordedRequest> request = read_request(fd, pending)) {
                {
                    std::lock_guard<std::mutex> lock(mutex_);
                    requests_.push_back(*request);
                }
                if (!answer(fd, handler_(*request))) break;
            }
        }
        std::lock_guard<std::mutex> lock(mutex_);
        open_connections_.erase(fd);
        close(fd);
    }

    Handler handler_;
    std::string sent_on_accept_;
    int listener_ = -1;
    int port_ = 0;
    int wake_pipe_[2] = {-1, -1};
    std::thread accept_thread_;

    mutable std::mutex mutex_;
    std::condition_variable stop_signal_;
    bool stopping_ = false;
    std::set<int> open_connections_;
    std::vector<std::thread> connection_threads_;
    std::vector<RecordedRequest> requests_;
    std::atomic<int> connections_accepted_{0};
};

// A port on which nothing listens: bound but not listening, so a connection
// attempt is refused at once, and no other process can take the port.
class RefusingPort {
  public:
    RefusingPort() {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof(address);
        if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0 ||
            getsockname(fd_, reinterpret_cast<sockaddr *>(&address), &length) != 0)
            throw std::runtime_error("could not reserve a port");
        port_ = ntohs(address.sin_port);
    }
    ~RefusingPort() { close(fd_); }
    std::string url(const std::string &path_and_query = "/hook") const {
        return "http://127.0.0.1:" + std::to_string(port_) + path_and_query;
    }

  private:
    int fd_ = -1;
    int port_ = 0;
};

HttpRequest post_to(const std::string &url, std::string body = "{}", std::uint64_t tag = 1) {
    HttpRequest request;
    request.tag = tag;
    request.url = url;
    request.headers = {"Content-Type: application/json"};
    request.body = std::move(body);
    request.timeout_ms = 5000;
    request.connect_timeout_ms = 5000;
    return request;
}

// Runs the driver until `wanted` results arrived or `limit` passed.
std::vector<HttpResult> run_until_results(HttpDriver &driver, std::size_t wanted,
                                          std::chrono::milliseconds limit = 5s) {
    std::vector<HttpResult> results;
    const Clock::time_point deadline = Clock::now() + limit;
    while (results.size() < wanted && Clock::now() < deadline) {
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

TEST(HttpDriverTest, ReportsErrorStatusWithRetryAfter) {
    TestServer server([](const RecordedRequest &request) {
        if (request.target == "/busy") return respond(503, {"Retry-After: 120"}, "later");
        if (request.target == "/limited") return respond(429, {"retry-after:   30  "});
        return respond(500, {"Retry-After: Wed, 21 Oct 2015 07:28:00 GMT"});
    });
    HttpDriver driver;

    const HttpResult busy = send_one(driver, post_to(server.url("/busy")));
    EXPECT_EQ(busy.http_status, 503);
    EXPECT_EQ(busy.error, "");
    EXPECT_EQ(busy.retry_after, "120");
    EXPECT_EQ(busy.body_excerpt, "later");

    const HttpResult limited = send_one(driver, post_to(server.url("/limited")));
    EXPECT_EQ(limited.http_status, 429);
    EXPECT_EQ(limited.retry_after, "30");

    const HttpResult dated = send_one(driver, post_to(server.url("/dated")));
    EXPECT_EQ(dated.http_status, 500);
    EXPECT_EQ(dated.retry_after, "Wed, 21 Oct 2015 07:28:00 GMT");
}

TEST(HttpDriverTest, RetryAfterComesFromTheFinalResponseOnly) {
    TestServer server([](const RecordedRequest &request) {
        if (request.target == "/interim-only")
            return raw_then_close(
                "HTTP/1.1 100 Continue\r\nRetry-After: 99\r\n\r\n"
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        return raw_then_close(
            "HTTP/1.1 100 Continue\r\nRetry-After: 99\r\n\r\n"
            "HTTP/1.1 503 Busy\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n");
    });
    HttpDriver driver;

    const HttpResult interim_only = send_one(driver, post_to(server.url("/interim-only")));
    EXPECT_EQ(interim_only.http_status, 200);
    EXPECT_EQ(interim_only.error, "");
    EXPECT_EQ(interim_only.retry_after, "");
    EXPECT_EQ(interim_only.body_excerpt, "ok");

    const HttpResult both = send_one(driver, post_to(server.url("/both")));
    EXPECT_EQ(both.http_status, 503);
    EXPECT_EQ(both.retry_after, "5");
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
    TestServer server([](const RecordedRequest &) {
        Reply reply;
        reply.kind = Reply::Kind::Stall;
        return reply;
    });
    HttpDriver driver;
    HttpRequest request = post_to(server.url());
    request.timeout_ms = 300;
    request.connect_timeout_ms = 300;
    const HttpResult result = send_one(driver, request);
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.http_status, 0);
    EXPECT_EQ(result.error, "timed out after 300 ms");
    EXPECT_GE(result.response_time_ms, 290.0);
    EXPECT_EQ(driver.in_flight(), 0u);
}

TEST(HttpDriverTest, EarlyTimeoutCallKeepsTheTimer) {
    TestServer server([](const RecordedRequest &) {
        Reply reply;
        reply.kind = Reply::Kind::Stall;
        return reply;
    });
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
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.http_status, 200);
    EXPECT_EQ(result.error, "timed out after 300 ms");
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
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.http_status, 0);
    EXPECT_EQ(result.error, "connect timed out after 200 ms");
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
    TestServer server([](const RecordedRequest &) {
        Reply reply;
        reply.kind = Reply::Kind::Stall;
        return reply;
    });
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
