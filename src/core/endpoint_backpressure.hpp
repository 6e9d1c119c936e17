// How an endpoint reacts when its receiver pushes back. Two signals:
//  * Retry-After on a 429 or 503 pauses the whole endpoint until then (not
//    only the event that got it): nothing is sent to it meanwhile.
//  * 429 itself means "too fast": the endpoint's rate is cut (AIMD: halved,
//    down to a floor) and creeps back up while requests succeed, so a
//    throttled endpoint drains at the rate its receiver accepts instead of
//    burning every event's attempts.
// Waiting is the scheduler's business and costs no attempt. Times are
// milliseconds of the caller's clock.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include "core/setting_defaults.hpp"

namespace booking_events {

struct BackpressureSettings {
    double floor_per_second = 0.1;  // the cuts stop here: one request per 10 s
    double decrease_factor = 0.5;
    // Each increase adds the larger of these (a fixed step alone would take
    // minutes to bring a 1000/s endpoint back).
    double increase_per_second = 1.0;
    double increase_fraction_of_ceiling = 0.05;
    // At most one cut and one increase per interval: the 429s of the requests
    // that were in flight together are one signal, not thirty-two.
    std::int64_t adjust_interval_ms = 1000;
    // The longest pause a Retry-After can impose (backoff_max_ms), so a
    // receiver cannot park an endpoint for days.
    std::int64_t max_pause_ms = setting_defaults::kBackoffMaxMs.default_value;
};

struct BackpressureChange {
    bool paused = false;         // paused_until() moved later
    bool rate_reduced = false;   // throttle_per_second() went down (or started)
    bool rate_restored = false;  // the throttle ended: back to the configured rate
    bool any() const { return paused || rate_reduced || rate_restored; }
};

class EndpointBackpressure {
  public:
    explicit EndpointBackpressure(BackpressureSettings settings = {});
    void set_settings(const BackpressureSettings &settings) { settings_ = settings; }

    // One response of the endpoint. `retry_after_ms` is the parsed
    // Retry-After delay (nullopt when absent or unparsable); `recent_per_second`
    // the rate the receiver saw lately (where a cut starts when the endpoint
    // has no limit of its own); `configured_per_second` its max_per_second.
    BackpressureChange on_response(std::int64_t now, long http_status,
                                   std::optional<std::int64_t> retry_after_ms,
                                   double recent_per_second,
                                   std::optional<double> configured_per_second);

    // The cut rate in force, nullopt when not throttled.
    std::optional<double> throttle_per_second() const { return throttle_; }
    // The rate the scheduler enforces: the lower of the configured one and
    // the throttle; nullopt when neither limits the endpoint.
    std::optional<double> effective_per_second(std::optional<double> configured_per_second) const;

    bool is_paused(std::int64_t now) const { return now < paused_until_; }
    std::int64_t paused_until() const { return paused_until_; }

  private:
    BackpressureChange on_success(std::int64_t now, std::optional<double> configured_per_second);
    BackpressureChange on_too_many_requests(std::int64_t now, double recent_per_second,
                                            std::optional<double> configured_per_second);

    BackpressureSettings settings_;
    std::int64_t paused_until_ = std::numeric_limits<std::int64_t>::min();
    std::optional<double> throttle_;
    double ceiling_ = 0;                            // where the throttle ends
    std::optional<std::int64_t> last_adjusted_at_;  // last cut or increase
    std::optional<std::int64_t> last_cut_at_;
};

}  // namespace booking_events
