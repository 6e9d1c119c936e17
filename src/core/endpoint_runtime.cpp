#include "core/endpoint_runtime.hpp"

#include <algorithm>
#include <cstdio>

namespace booking_events {

namespace {

// Send times kept even without a limit: enough to see the rate a 429 cut
// starts from.
constexpr std::size_t kObservedSends = 1024;

std::size_t history_for(const EndpointSettings &settings) {
    std::size_t history = kObservedSends;
    if (settings.max_per_second)
        history = std::max(
            history, static_cast<std::size_t>(send_window_for(*settings.max_per_second).max_sends));
    return history;
}

std::string rate_text(double per_second) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", per_second);
    return text;
}

}  // namespace

const char *wait_reason_name(WaitReason reason) {
    switch (reason) {
        case WaitReason::None:
            return "none";
        case WaitReason::Paused:
            return "paused";
        case WaitReason::Held:
            return "held";
        case WaitReason::CircuitOpen:
            return "circuit open";
        case WaitReason::ProbeInFlight:
            return "probe in flight";
        case WaitReason::RetryAfter:
            return "Retry-After";
        case WaitReason::RateLimit:
            return "rate limit";
    }
    return "none";
}

EndpointRuntime::EndpointRuntime(EndpointSettings settings, std::int64_t now)
    : settings_(std::move(settings)),
      limiter_(history_for(settings_)),
      backpressure_(settings_.backpressure),
      breaker_(settings_.breaker_failures, settings_.breaker_probe_ms, now),
      paused_since_(now),
      pause_started_(now) {}

void EndpointRuntime::reconfigure(EndpointSettings settings, std::int64_t now) {
    if (settings.paused != settings_.paused) paused_since_ = now;
    settings_ = std::move(settings);
    limiter_.grow_history(history_for(settings_));
    backpressure_.set_settings(settings_.backpressure);
    breaker_.configure(settings_.breaker_failures, settings_.breaker_probe_ms);
}

SendPermit EndpointRuntime::permit(std::int64_t now) const {
    SendPermit permit;
    if (settings_.paused) {
        permit.reason = WaitReason::Paused;
        return permit;
    }
    if (settings_.held) {
        permit.reason = WaitReason::Held;
        return permit;
    }
    const BreakerPermit breaker = breaker_.permit(now);
    if (!breaker.allowed) {
        permit.reason = breaker.not_before ? WaitReason::CircuitOpen : WaitReason::ProbeInFlight;
        permit.not_before = breaker.not_before;
        return permit;
    }
    // Even the probe waits for the receiver's Retry-After and the rate limit.
    if (backpressure_.is_paused(now)) {
        permit.reason = WaitReason::RetryAfter;
        permit.not_before = backpressure_.paused_until();
        return permit;
    }
    if (const std::optional<double> rate = effective_per_second()) {
        const std::optional<std::int64_t> next = limiter_.next_send_at(send_window_for(*rate), now);
        if (!next || *next > now) {
            permit.reason = WaitReason::RateLimit;
            permit.not_before = next;
            return permit;
        }
    }
    permit.allowed = true;
    permit.is_probe = breaker.is_probe;
    return permit;
}

std::vector<EndpointNotice> EndpointRuntime::on_request_started(std::int64_t now, bool is_probe) {
    limiter_.record_send(now);
    std::vector<EndpointNotice> notices;
    if (std::optional<BreakerTransition> transition = breaker_.on_request_started(now, is_probe))
        notices.push_back({EndpointNotice::Kind::BreakerTransition,
                           transition->describe(settings_.name, breaker_.probe_interval_ms()),
                           transition->is_probe_cycle()});
    return notices;
}

std::vector<EndpointNotice> EndpointRuntime::on_response(std::int64_t now,
                                                         const RequestFeedback &feedback) {
    on_request_ended(now);
    std::vector<EndpointNotice> notices;
    const std::string who = "endpoint \"" + settings_.name + "\": ";
    const double recent = limiter_.sends_within(1000, now);
    const BackpressureChange change = backpressure_.on_response(
        now, feedback.http_status, feedback.retry_after_ms, recent, settings_.max_per_second);
    if (change.paused) {
        pause_started_ = now;
        notices.push_back({EndpointNotice::Kind::RetryAfterPause,
                           who + "HTTP " + std::to_string(feedback.http_status) +
                               " with Retry-After: nothing is sent for " +
                               std::to_string(backpressure_.paused_until() - now) + " ms"});
    }
    if (change.rate_reduced)
        notices.push_back({EndpointNotice::Kind::RateReduced,
                           who + "HTTP 429: rate cut to " +
                               rate_text(backpressure_.throttle_per_second().value_or(0)) +
                               " requests/s"});
    if (change.rate_restored)
        notices.push_back(
            {EndpointNotice::Kind::RateRestored, who + "no longer throttled after HTTP 429"});
    if (std::optional<BreakerTransition> transition =
            breaker_.on_result(now, feedback.http_status, feedback.was_probe))
        notices.push_back({EndpointNotice::Kind::BreakerTransition,
                           transition->describe(settings_.name, breaker_.probe_interval_ms()),
                           transition->is_probe_cycle()});
    return notices;
}

const char *EndpointRuntime::state_name(std::int64_t now) const {
    if (settings_.paused) return "paused";
    if (breaker_.state() != BreakerState::Closed) return breaker_state_name(breaker_.state());
    if (backpressure_.is_paused(now)) return "paused";
    return breaker_state_name(BreakerState::Closed);
}

std::int64_t EndpointRuntime::state_since(std::int64_t now) const {
    if (settings_.paused) return paused_since_;
    if (breaker_.state() != BreakerState::Closed) return breaker_.state_since();
    if (backpressure_.is_paused(now)) return pause_started_;
    std::int64_t since = std::max(paused_since_, breaker_.state_since());
    if (backpressure_.paused_until() <= now) since = std::max(since, backpressure_.paused_until());
    return since;
}

}  // namespace booking_events
