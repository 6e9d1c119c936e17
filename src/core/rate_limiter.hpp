// The per-endpoint rate limit: never more than max_per_second requests in ANY
// one-second window, whatever the backlog or concurrency. A token bucket
// cannot promise that (a full bucket of size b refilled at rate r lets b + r
// through in one second), so the limiter keeps a log of recent send times
// and admits a send only when the window ending at it still has room.
//
// Times are milliseconds of one clock that never goes backwards (the caller
// injects it); a time earlier than the last send is treated as that time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace booking_events {

// At most `max_sends` sends in any half-open interval [t, t + window_ms).
struct SendWindow {
    int max_sends = 1;
    std::int64_t window_ms = 1000;

    bool operator==(const SendWindow &other) const {
        return max_sends == other.max_sends && window_ms == other.window_ms;
    }
};

constexpr double kMinPerSecond = 0.001;  // one request every 1000 s
constexpr double kMaxPerSecond = 100000;

// Why `per_second` cannot be an endpoint's max_per_second (NaN, infinite, not
// positive, out of [kMinPerSecond, kMaxPerSecond]), or nullopt when it can.
std::optional<std::string> max_per_second_problem(double per_second);

// The window that keeps `per_second` (clamped into the valid range) in every
// one-second window. From 1/s up: floor(per_second) per second (2.5/s admits
// 2 in a second, since 3 would break the promise). Below 1/s: one request
// per ceil(1000 / per_second) ms (0.5/s: one every 2 s).
// `guard_ms` (>= 0) widens the window: send times are taken when a request
// is handed to libcurl, and a receiver sees them shifted by connection set-up
// and network delays that vary from one request to the next; a window wider
// by the spread keeps the promise at the receiver too.
SendWindow send_window_for(double per_second, std::int64_t guard_ms = 0);

class RateLimiter {
  public:
    // Keeps at least `history` send times: enough for the largest
    // SendWindow::max_sends it will be asked about and for sends_within().
    explicit RateLimiter(std::size_t history);

    // The earliest time >= now at which a send keeps `window` satisfied.
    // A max_sends above the history is enforced as the history size (never
    // looser than asked); callers size the history from the configured limit.
    std::int64_t next_send_at(const SendWindow &window, std::int64_t now) const;
    bool may_send(const SendWindow &window, std::int64_t now) const {
        return next_send_at(window, now) <= now;
    }
    void record_send(std::int64_t now);

    // Sends in (now - window_ms, now]: the rate the receiver has just seen,
    // counted up to the history size.
    int sends_within(std::int64_t window_ms, std::int64_t now) const;

    std::size_t history() const { return history_; }
    // Keeps more send times from now on (a raised limit); never fewer.
    void grow_history(std::size_t history) { history_ = std::max(history_, history); }

  private:
    std::size_t history_;
    std::deque<std::int64_t> sends_;  // oldest first, never decreasing
};

}  // namespace booking_events
