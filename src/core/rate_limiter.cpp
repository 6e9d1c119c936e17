#include "core/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace booking_events {

std::optional<std::string> max_per_second_problem(double per_second) {
    if (std::isnan(per_second) || std::isinf(per_second))
        return std::string("max_per_second must be a finite number");
    if (per_second <= 0)
        return std::string(
            "max_per_second must be positive (NULL for no limit; pause an endpoint to stop it)");
    if (per_second < kMinPerSecond)
        return "max_per_second must be at least " + std::to_string(kMinPerSecond) +
               " (one request every 1000 seconds)";
    if (per_second > kMaxPerSecond)
        return "max_per_second must be at most " + std::to_string(static_cast<int>(kMaxPerSecond));
    return std::nullopt;
}

SendWindow send_window_for(double per_second) {
    const double rate = std::isnan(per_second)
                            ? kMinPerSecond
                            : std::clamp(per_second, kMinPerSecond, kMaxPerSecond);
    SendWindow window;
    if (rate >= 1) {
        window.max_sends = static_cast<int>(std::floor(rate));
        window.window_ms = 1000;
    } else {
        // Rounded up: a window one millisecond too short would let two sends
        // land closer together than the rate allows.
        window.max_sends = 1;
        window.window_ms = static_cast<std::int64_t>(std::ceil(1000.0 / rate));
    }
    return window;
}

RateLimiter::RateLimiter(std::size_t history) : history_(std::max<std::size_t>(history, 1)) {}

std::int64_t RateLimiter::not_before_last(std::int64_t now) const {
    return std::max(now, last_time_);
}

std::optional<std::int64_t> RateLimiter::next_send_at(const SendWindow &window,
                                                      std::int64_t now) const {
    now = not_before_last(now);
    // More than the history can check is enforced as the history size:
    // stricter than asked, never looser.
    const std::size_t allowed =
        std::min(static_cast<std::size_t>(std::max(window.max_sends, 1)), history_);
    const std::size_t flying = static_cast<std::size_t>(in_flight_);
    if (flying >= allowed) return std::nullopt;
    // Answers at a >= t - window_ms occupy the window at t. With `flying`
    // in flight, room needs fewer than allowed - flying such answers: t
    // must wait until the newest answer that must leave has left, at
    // a + window_ms + 1.
    const std::size_t answers_allowed = allowed - flying;
    const auto first_recent =
        std::lower_bound(answers_.begin(), answers_.end(), now - window.window_ms);
    const auto recent = static_cast<std::size_t>(std::distance(first_recent, answers_.end()));
    if (recent < answers_allowed) return now;
    const std::int64_t must_leave = answers_[answers_.size() - answers_allowed];
    return std::max(now, must_leave + window.window_ms + 1);
}

void RateLimiter::record_send(std::int64_t now) {
    now = not_before_last(now);
    last_time_ = now;
    ++in_flight_;
    sends_.push_back(now);
    while (sends_.size() > history_) sends_.pop_front();
}

void RateLimiter::record_answer(std::int64_t now) {
    now = not_before_last(now);
    last_time_ = now;
    in_flight_ = std::max(in_flight_ - 1, 0);
    answers_.push_back(now);
    while (answers_.size() > history_) answers_.pop_front();
}

int RateLimiter::sends_within(std::int64_t window_ms, std::int64_t now) const {
    const auto first = std::upper_bound(sends_.begin(), sends_.end(), now - window_ms);
    const auto last = std::upper_bound(sends_.begin(), sends_.end(), now);
    return static_cast<int>(std::distance(first, last));
}

}  // namespace booking_events
