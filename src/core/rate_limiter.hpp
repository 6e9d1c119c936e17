// The per-endpoint rate limit: never more than max_per_second requests in ANY
// one-second window AT THE RECEIVER, whatever the backlog, the concurrency
// or the delays of the network and the receiver.
//
// The receiver sees a request at some moment between its dispatch (handed to
// libcurl) and its answer, and where in between is unknown: connection
// set-up, a queue in front of the receiver's application, its own scheduling.
// So a request occupies [dispatch, answer] (open-ended while in flight), and
// a new request may start at `now` only when fewer than `max_sends` requests
// occupy the last window: answered within `window_ms`, or still in flight.
//
// Why no window [t, t + W) at the receiver then sees more than max_sends:
// say it saw requests S, and j is the one of them dispatched last, at d_j.
// Every other i in S was dispatched at d_i <= d_j and seen at s_i >= t, so
// its answer a_i >= s_i >= t; and d_j <= s_j < t + W. At d_j, each such i
// was either still in flight or answered at a_i > d_j - W: all |S| - 1 of
// them occupied the window when j was allowed, so |S| - 1 < max_sends.
// (A token bucket or a log of dispatch times alone cannot promise this: a
// receiver that stalls and then reads a queue at once sees them bunched.)
// The cost: a receiver answering in `r` ms gets at most max_sends requests
// per W + r ms.
//
// Times are milliseconds of one clock that never goes backwards (the caller
// injects it); a time earlier than the last one recorded is treated as that
// time. A clock that truncates to milliseconds is allowed for: an answer
// recorded at `a` counts until a + window_ms inclusive.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace booking_events {

// At most `max_sends` requests seen in any half-open interval [t, t + window_ms).
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
SendWindow send_window_for(double per_second);

class RateLimiter {
  public:
    // Keeps at least `history` dispatch and answer times: enough for the
    // largest SendWindow::max_sends it will be asked about and for
    // sends_within().
    explicit RateLimiter(std::size_t history);

    // The earliest time >= now at which a request may start and keep
    // `window` at the receiver; nullopt while max_sends requests are in
    // flight (only an answer makes room). A max_sends above the history is
    // enforced as the history size (never looser than asked); callers size
    // the history from the configured limit.
    std::optional<std::int64_t> next_send_at(const SendWindow &window, std::int64_t now) const;
    bool may_send(const SendWindow &window, std::int64_t now) const {
        const std::optional<std::int64_t> next = next_send_at(window, now);
        return next && *next <= now;
    }
    void record_send(std::int64_t now);
    // One request ended (answered, failed or timed out). Which one does not
    // matter: only how many are in flight and when the others ended.
    void record_answer(std::int64_t now);
    // Requests dispatched and not yet answered.
    int in_flight() const { return in_flight_; }

    // Dispatches in (now - window_ms, now]: the rate the receiver has just
    // seen, counted up to the history size.
    int sends_within(std::int64_t window_ms, std::int64_t now) const;

    std::size_t history() const { return history_; }
    // Keeps more times from now on (a raised limit); never fewer.
    void grow_history(std::size_t history) { history_ = std::max(history_, history); }

  private:
    std::int64_t not_before_last(std::int64_t now) const;

    std::size_t history_;
    std::deque<std::int64_t> sends_;    // dispatch times, oldest first, never decreasing
    std::deque<std::int64_t> answers_;  // answer times, oldest first, never decreasing
    std::int64_t last_time_ = INT64_MIN;
    int in_flight_ = 0;
};

}  // namespace booking_events
