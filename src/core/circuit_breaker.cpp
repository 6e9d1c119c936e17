#include "core/circuit_breaker.hpp"

#include <algorithm>

#include "core/delivery_policy.hpp"

namespace booking_events {

const char *breaker_state_name(BreakerState state) {
    switch (state) {
        case BreakerState::Closed:
            return "active";
        case BreakerState::Open:
            return "open";
        case BreakerState::HalfOpen:
            return "half_open";
    }
    return "active";
}

bool is_receiver_failure(long http_status) {
    return classify_response(http_status) == ResponseClass::Retryable;
}

std::string BreakerTransition::describe(const std::string &endpoint_name,
                                        std::int64_t probe_interval_ms) const {
    const std::string who = "endpoint \"" + endpoint_name + "\": ";
    const std::string every = std::to_string(probe_interval_ms) + " ms";
    switch (to) {
        case BreakerState::Open:
            if (from == BreakerState::HalfOpen)
                return who + "probe failed, circuit stays open; next probe in " + every;
            return who + "circuit open after " + std::to_string(consecutive_failures) +
                   " consecutive failed attempts; nothing is sent but one probe every " + every;
        case BreakerState::HalfOpen:
            return who + "circuit half-open: sending a probe";
        case BreakerState::Closed:
            return who + "probe succeeded, circuit closed: delivery resumes";
    }
    return who;
}

CircuitBreaker::CircuitBreaker(int failure_threshold, std::int64_t probe_interval_ms,
                               std::int64_t now)
    : failure_threshold_(std::max(failure_threshold, 1)),
      probe_interval_ms_(std::max<std::int64_t>(probe_interval_ms, 1)),
      state_since_(now) {}

void CircuitBreaker::configure(int failure_threshold, std::int64_t probe_interval_ms) {
    failure_threshold_ = std::max(failure_threshold, 1);
    probe_interval_ms_ = std::max<std::int64_t>(probe_interval_ms, 1);
}

BreakerPermit CircuitBreaker::permit(std::int64_t now) const {
    BreakerPermit permit;
    switch (state_) {
        case BreakerState::Closed:
            permit.allowed = true;
            break;
        case BreakerState::Open:
            permit.allowed = now >= next_probe_at_;
            permit.is_probe = permit.allowed;
            if (!permit.allowed) permit.not_before = next_probe_at_;
            break;
        case BreakerState::HalfOpen:
            break;  // one probe at a time; its result decides
    }
    return permit;
}

BreakerTransition CircuitBreaker::move_to(BreakerState next, std::int64_t now) {
    BreakerTransition transition{state_, next, now, consecutive_failures_};
    state_ = next;
    state_since_ = now;
    return transition;
}

std::optional<BreakerTransition> CircuitBreaker::on_request_started(std::int64_t now,
                                                                    bool is_probe) {
    if (!is_probe || state_ != BreakerState::Open) return std::nullopt;
    return move_to(BreakerState::HalfOpen, now);
}

std::optional<BreakerTransition> CircuitBreaker::on_result(std::int64_t now, long http_status,
                                                           bool was_probe) {
    const bool failed = is_receiver_failure(http_status);
    if (state_ == BreakerState::Closed) {
        if (!failed) {
            consecutive_failures_ = 0;
            return std::nullopt;
        }
        if (++consecutive_failures_ < failure_threshold_) return std::nullopt;
        next_probe_at_ = now + probe_interval_ms_;
        return move_to(BreakerState::Open, now);
    }
    if (!was_probe || state_ != BreakerState::HalfOpen) return std::nullopt;
    if (failed) {
        ++consecutive_failures_;
        next_probe_at_ = now + probe_interval_ms_;
        return move_to(BreakerState::Open, now);
    }
    consecutive_failures_ = 0;
    return move_to(BreakerState::Closed, now);
}

}  // namespace booking_events
