// Concurrent webhook POSTs on one libcurl multi handle, driven from the
// caller's own event loop: the delivery worker waits on PostgreSQL's
// WaitEventSet, so the driver only reports which sockets and which timer
// libcurl needs and is told when they are ready. Knows nothing of PostgreSQL.
// Not thread-safe: one driver belongs to one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/setting_defaults.hpp"

namespace booking_events {

struct HttpRequest {
    std::uint64_t tag = 0;             // caller's id, returned in the result
    std::string url;                   // http:// or https:// only
    std::vector<std::string> headers;  // "Name: value" lines, sent as given
    std::string body;                  // POSTed byte for byte
    // Both are raised to at least 1 ms (libcurl reads 0 as "wait forever"),
    // and connecting never gets longer than the whole transfer.
    // Whole transfer, connecting included, counted from the first time the
    // driver runs it. Enforced by the driver after it has read the sockets,
    // so time the caller spent elsewhere never turns an answer that arrived
    // meanwhile into a timeout.
    long timeout_ms = setting_defaults::kRequestTimeoutMs.default_value;
    long connect_timeout_ms = 5000;  // name resolution, TCP and TLS handshakes
};

struct HttpResult {
    std::uint64_t tag = 0;
    // Status of the final response when its status line arrived, even if the
    // transfer broke afterwards (then `error` says how); 0 when no response.
    long http_status = 0;
    bool timed_out = false;
    // Empty exactly when a complete HTTP exchange took place, whatever its
    // status. Otherwise a short text that never contains the URL's userinfo
    // or query string, so it can be logged and stored as is.
    std::string error;
    double response_time_ms = 0;  // whole transfer, as libcurl measured it
    std::string retry_after;      // raw Retry-After of the final response, "" if absent
    std::string body_excerpt;     // first HttpDriverOptions::max_body_excerpt bytes of the body
};

struct HttpDriverOptions {
    std::size_t max_body_excerpt = 1024;
    // A larger response is aborted as it arrives, so a misbehaving receiver
    // cannot make the worker's memory grow.
    std::size_t max_response_bytes = 1 << 20;
    std::string ca_file;     // CA bundle to verify against; libcurl's default when empty
    std::string user_agent;  // no User-Agent header when empty (unless in HttpRequest::headers)
    // Connections kept open between requests, at least 1 (the worker: its
    // request slots). libcurl's own rule keeps 4 per transfer in flight, so
    // as the last answers of a round came in it closed the oldest, and the
    // next round connected anew (BENCHMARKS.md, "deliver9").
    long kept_connections = 32;
};

class HttpDriver {
  public:
    // Throws std::runtime_error when libcurl cannot be initialised.
    explicit HttpDriver(HttpDriverOptions options = {});
    // Abandons the transfers still in flight; their results are never produced.
    ~HttpDriver();
    HttpDriver(const HttpDriver &) = delete;
    HttpDriver &operator=(const HttpDriver &) = delete;

    // Applies to requests submitted afterwards.
    void set_options(HttpDriverOptions options);

    // Hands the request to libcurl, which starts it at the next on_timeout()
    // (timeout_ms() is 0 then). A request that cannot even be set up yields
    // its failed result through take_completed() without going in flight.
    void submit(HttpRequest request);
    std::size_t in_flight() const;

    struct SocketWatch {
        int fd;
        bool want_read;
        bool want_write;
    };
    // The sockets libcurl wants watched now; changes after every call below.
    std::vector<SocketWatch> socket_watches() const;
    // Milliseconds until on_timeout() is due (0: now), -1 when no timer is set.
    long timeout_ms() const;
    void on_socket_ready(int fd, bool readable, bool writable);
    void on_timeout();
    // Results of the transfers finished since the previous call.
    std::vector<HttpResult> take_completed();

    // A complete event loop iteration with poll(): waits at most max_wait_ms
    // (less when libcurl's timer is due sooner), then dispatches.
    void run_once(int max_wait_ms);

  private:
    // libcurl's handles and the transfers' state live in the .cpp so that
    // callers do not see libcurl's declarations.
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace booking_events
