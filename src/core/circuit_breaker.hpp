// The per-endpoint circuit breaker. After `failure_threshold` consecutive
// failed attempts (booking_events.breaker_failures) the endpoint opens:
// nothing is sent but one probe per probe interval (breaker_probe_ms), and
// the first probe that the receiver answers closes it again. Each transition
// is returned exactly once, so the PostgreSQL layer logs one line for it and
// records state_since.
//
// A failure is what says the receiver is unwell: no response, a timeout,
// 408, 425, 429 or 5xx. Any other answer (2xx, or a 4xx about one event)
// shows a receiver that works and resets the count. Times are milliseconds
// of the caller's clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace booking_events {

enum class BreakerState {
    Closed,    // webhook_endpoints_status.state 'active'
    Open,      // 'open': waiting for the next probe time
    HalfOpen,  // 'half_open': the probe is in flight
};

// The contract's name of the state: "active", "open", "half_open".
const char *breaker_state_name(BreakerState state);

bool is_receiver_failure(long http_status);

struct BreakerTransition {
    BreakerState from = BreakerState::Closed;
    BreakerState to = BreakerState::Closed;
    std::int64_t at = 0;
    int consecutive_failures = 0;  // at the moment of the transition

    // Open -> half_open -> open again: the routine of a receiver that stays
    // down, one pair per probe interval. The PostgreSQL layer may log these
    // at a lower level than opening and closing.
    bool is_probe_cycle() const {
        return (from == BreakerState::Open && to == BreakerState::HalfOpen) ||
               (from == BreakerState::HalfOpen && to == BreakerState::Open);
    }

    // One line for the server log: "endpoint \"x\": circuit open after 20
    // consecutive failed attempts; probing every 30 s". No URL, no secret.
    std::string describe(const std::string &endpoint_name, std::int64_t probe_interval_ms) const;
};

struct BreakerPermit {
    bool allowed = false;
    bool is_probe = false;  // the request that may start is the probe
    // When not allowed: the time the next probe may start, or nullopt while
    // a probe is in flight (its result decides).
    std::optional<std::int64_t> not_before;
};

class CircuitBreaker {
  public:
    CircuitBreaker(int failure_threshold, std::int64_t probe_interval_ms, std::int64_t now);

    // A reload may change both; an open breaker keeps its next probe time.
    void configure(int failure_threshold, std::int64_t probe_interval_ms);

    BreakerPermit permit(std::int64_t now) const;
    // A request started under permit(now). Starting the probe opens the half.
    std::optional<BreakerTransition> on_request_started(std::int64_t now, bool is_probe);
    // The result of a request. Results of requests that were not the probe do
    // not move an open breaker: they were sent before it opened.
    std::optional<BreakerTransition> on_result(std::int64_t now, long http_status, bool was_probe);

    BreakerState state() const { return state_; }
    std::int64_t state_since() const { return state_since_; }
    int consecutive_failures() const { return consecutive_failures_; }
    std::int64_t probe_interval_ms() const { return probe_interval_ms_; }

  private:
    BreakerTransition move_to(BreakerState next, std::int64_t now);

    int failure_threshold_;
    std::int64_t probe_interval_ms_;
    BreakerState state_ = BreakerState::Closed;
    std::int64_t state_since_;
    int consecutive_failures_ = 0;
    std::int64_t next_probe_at_ = 0;  // meaningful while Open
};

}  // namespace booking_events
