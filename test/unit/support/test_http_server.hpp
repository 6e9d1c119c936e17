// A small HTTP/1.1 server on 127.0.0.1 for the unit tests of the HTTP
// driver: it records what arrived on the wire and answers with the
// misbehaviours a webhook receiver can show (stalls, garbage, cut
// connections, huge bodies).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace booking_events::test_support {

struct RecordedRequest {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    // The first header of that name (any letter case), if any.
    std::optional<std::string> header(const std::string &name) const;
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

// A well-formed response.
Reply respond(int status, std::vector<std::string> headers = {}, std::string body = "ok");
// `bytes` as they are, then the connection is closed.
Reply raw_then_close(std::string bytes);
// Reads the request, then never answers.
Reply stall_forever();

// A small HTTP/1.1 server on 127.0.0.1: one thread per connection, keep-alive,
// and the misbehaviours a webhook receiver can show. Everything it received is
// recorded so tests can check what arrived on the wire.
class TestServer {
  public:
    using Handler = std::function<Reply(const RecordedRequest &)>;

    // With `sent_on_accept`, every connection gets those bytes at once and is
    // closed without reading a request (for clients that wait for the server
    // to speak first, like a TLS handshake).
    explicit TestServer(Handler handler, std::string sent_on_accept = "");
    ~TestServer();
    TestServer(const TestServer &) = delete;
    TestServer &operator=(const TestServer &) = delete;

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
    void accept_loop();
    // Waits for `duration`; false when the server is stopping meanwhile.
    bool pause(std::chrono::milliseconds duration);
    void stall();
    static bool send_all(int fd, const std::string &bytes);
    // Reads one request from `fd`, keeping what follows it in `pending`.
    static std::optional<RecordedRequest> read_request(int fd, std::string &pending);
    // Returns whether the connection may serve another request.
    bool answer(int fd, const Reply &reply);
    void serve(int fd);

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
    RefusingPort();
    ~RefusingPort();
    RefusingPort(const RefusingPort &) = delete;
    RefusingPort &operator=(const RefusingPort &) = delete;
    std::string url(const std::string &path_and_query = "/hook") const {
        return "http://127.0.0.1:" + std::to_string(port_) + path_and_query;
    }

  private:
    int fd_ = -1;
    int port_ = 0;
};

}  // namespace booking_events::test_support
