#include "core/endpoint_backpressure.hpp"

#include <algorithm>

namespace booking_events {

EndpointBackpressure::EndpointBackpressure(BackpressureSettings settings) : settings_(settings) {}

std::optional<double> EndpointBackpressure::effective_per_second(
    std::optional<double> configured_per_second) const {
    if (!throttle_) return configured_per_second;
    if (!configured_per_second) return throttle_;
    return std::min(*throttle_, *configured_per_second);
}

BackpressureChange EndpointBackpressure::on_response(std::int64_t now, long http_status,
                                                     std::optional<std::int64_t> retry_after_ms,
                                                     double recent_per_second,
                                                     std::optional<double> configured_per_second) {
    if (http_status >= 200 && http_status < 300) return on_success(now, configured_per_second);
    BackpressureChange change;
    if (http_status == 429)
        change = on_too_many_requests(now, recent_per_second, configured_per_second);
    if ((http_status == 429 || http_status == 503) && retry_after_ms) {
        const std::int64_t pause = std::clamp<std::int64_t>(
            *retry_after_ms, 0, std::max<std::int64_t>(settings_.max_pause_ms, 0));
        // Never shortened: a later, shorter Retry-After from a request that was
        // in flight does not end a pause the receiver asked for.
        if (now + pause > paused_until_ && pause > 0) {
            paused_until_ = now + pause;
            change.paused = true;
        }
    }
    return change;
}

BackpressureChange EndpointBackpressure::on_too_many_requests(
    std::int64_t now, double recent_per_second, std::optional<double> configured_per_second) {
    BackpressureChange change;
    const double floor = std::max(settings_.floor_per_second, 1e-6);
    const double factor = std::clamp(settings_.decrease_factor, 0.01, 0.99);
    if (!throttle_) {
        const double recent = std::max(recent_per_second, floor);
        ceiling_ = configured_per_second.value_or(recent);
        throttle_ = std::max(floor, std::min(ceiling_, recent) * factor);
    } else if (!last_cut_at_ || now - *last_cut_at_ >= settings_.adjust_interval_ms) {
        // Measured from the last cut only: an increase a moment ago must not
        // shield the rate from the 429s it caused.
        throttle_ = std::max(floor, *throttle_ * factor);
    } else {
        return change;
    }
    last_cut_at_ = now;
    last_adjusted_at_ = now;
    change.rate_reduced = true;
    return change;
}

BackpressureChange EndpointBackpressure::on_success(std::int64_t now,
                                                    std::optional<double> configured_per_second) {
    BackpressureChange change;
    if (!throttle_) return change;
    // A limit changed by webhook_endpoint_set while throttled is where the
    // climb now ends.
    if (configured_per_second) ceiling_ = *configured_per_second;
    if (last_adjusted_at_ && now - *last_adjusted_at_ < settings_.adjust_interval_ms) return change;
    const double step =
        std::max(settings_.increase_per_second, ceiling_ * settings_.increase_fraction_of_ceiling);
    throttle_ = *throttle_ + std::max(step, 1e-6);
    last_adjusted_at_ = now;
    if (*throttle_ >= ceiling_) {
        throttle_.reset();
        last_adjusted_at_.reset();
        last_cut_at_.reset();
        change.rate_restored = true;
    }
    return change;
}

}  // namespace booking_events
