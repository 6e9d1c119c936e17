// One endpoint's live delivery state in the worker: its settings, rate
// limiter, backpressure and circuit breaker, combined into one answer to
// "may a request start now, and if not, until when?". Waiting never burns
// an attempt: a delivery that may not go is simply not started.
// Times are milliseconds of the caller's clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/circuit_breaker.hpp"
#include "core/endpoint_backpressure.hpp"
#include "core/rate_limiter.hpp"
#include "core/setting_defaults.hpp"

namespace booking_events {

struct EndpointSettings {
    std::string name;
    std::optional<double> max_per_second;  // nullopt: no limit of its own
    int batch_max = 1;
    // webhook_endpoint_pause(): the endpoint's own state, "paused".
    bool paused = false;
    // Nothing is sent either, for a cause outside the endpoint:
    // booking_events.paused, or `default` with an empty webhook_url. Not a
    // state of the endpoint (webhook_health() names these causes itself), so
    // state_name() does not say "paused" for it.
    bool held = false;
    // Whether nothing may be sent to it now, whatever the cause.
    bool stopped() const { return paused || held; }
    int breaker_failures = setting_defaults::kBreakerFailures.default_value;
    std::int64_t breaker_probe_ms = setting_defaults::kBreakerProbeMs.default_value;
    BackpressureSettings backpressure;
};

enum class WaitReason {
    None,
    Paused,         // paused by the DBA: until resumed
    Held,           // booking_events.paused, or no URL: until that changes
    CircuitOpen,    // until the next probe time
    ProbeInFlight,  // until the probe's result
    RetryAfter,     // until the receiver's Retry-After has passed
    // until the window has room: a time once answers have come, else
    // (the limit's worth of requests in flight) the next answer
    RateLimit,
};

const char *wait_reason_name(WaitReason reason);

struct SendPermit {
    bool allowed = false;
    bool is_probe = false;  // the request that may start is the breaker's probe
    WaitReason reason = WaitReason::None;
    // When waiting for a time; nullopt when waiting for something else
    // (a resume, a probe's result).
    std::optional<std::int64_t> not_before;
};

// Something the PostgreSQL layer logs (one LOG line each) and records.
struct EndpointNotice {
    enum class Kind { BreakerTransition, RetryAfterPause, RateReduced, RateRestored };
    Kind kind;
    std::string message;  // names the endpoint; never its URL or secrets
    // A probe cycle of a receiver that stays down (open -> half_open ->
    // open): logged below LOG, so a dead receiver does not flood the log
    // (issue #15); opening and closing are not routine.
    bool routine = false;
};

struct RequestFeedback {
    long http_status = 0;                        // 0 when no response
    std::optional<std::int64_t> retry_after_ms;  // parsed Retry-After delay
    bool was_probe = false;
};

class EndpointRuntime {
  public:
    EndpointRuntime(EndpointSettings settings, std::int64_t now);

    // New settings (webhook_endpoint_set, a reload); the live state stays.
    void reconfigure(EndpointSettings settings, std::int64_t now);
    const EndpointSettings &settings() const { return settings_; }

    SendPermit permit(std::int64_t now) const;
    std::vector<EndpointNotice> on_request_started(std::int64_t now, bool is_probe);
    std::vector<EndpointNotice> on_response(std::int64_t now, const RequestFeedback &feedback);
    // A request ended without its answer reaching on_response (its result
    // has nowhere to go): it no longer occupies the rate window as in flight.
    void on_request_ended(std::int64_t now) { limiter_.record_answer(now); }
    int in_flight() const { return limiter_.in_flight(); }

    // webhook_endpoints_status.state and state_since at `now`: "paused"
    // (by the DBA or by a Retry-After in force), "open", "half_open", else
    // "active" (held or not: a hold is no state of the endpoint).
    const char *state_name(std::int64_t now) const;
    std::int64_t state_since(std::int64_t now) const;

    std::optional<double> effective_per_second() const {
        return backpressure_.effective_per_second(settings_.max_per_second);
    }
    const CircuitBreaker &breaker() const { return breaker_; }
    const EndpointBackpressure &backpressure() const { return backpressure_; }

  private:
    EndpointSettings settings_;
    RateLimiter limiter_;
    EndpointBackpressure backpressure_;
    CircuitBreaker breaker_;
    std::int64_t paused_since_;   // when settings_.paused last changed
    std::int64_t pause_started_;  // when the current Retry-After pause began
};

}  // namespace booking_events
