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

SendWindow send_window_for(double per_second, std::int64_t guard_ms) {
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
    window.window_ms += std::max<std::int64_t>(guard_ms, 0);
    return window;
}

RateLimiter::RateLimiter(std::size_t history) : history_(std::max<std::size_t>(history, 1)) {}

std::int64_t RateLimiter::next_send_at(const SendWindow &window, std::int64_t now) const {
    if (!sends_.empty()) now = std::max(now, sends_.back());
    // More than the history can check is enforced as the history size:
    // stricter than asked, never looser.
    const std::size_t allowed =
        std::min(static_cast<std::size_t>(std::max(window.max_sends, 1)), history_);
    if (sends_.size() < allowed) return now;
    // A send at t shares a window [a, a + w) with every earlier send s where
    // s > t - w. With `allowed` sends already after t - w there is no room,
    // so t must wait until the oldest of those falls out: t >= s + w.
    const std::int64_t oldest_in_window = sends_[sends_.size() - allowed];
    return std::max(now, oldest_in_window + window.window_ms);
}

void RateLimiter::record_send(std::int64_t now) {
    if (!sends_.empty()) now = std::max(now, sends_.back());
    sends_.push_back(now);
    while (sends_.size() > history_) sends_.pop_front();
}

int RateLimiter::sends_within(std::int64_t window_ms, std::int64_t now) const {
    const auto first = std::upper_bound(sends_.begin(), sends_.end(), now - window_ms);
    const auto last = std::upper_bound(sends_.begin(), sends_.end(), now);
    return static_cast<int>(std::distance(first, last));
}

}  // namespace booking_events
