// Retry timing: the exponential backoff schedule of the contract (the
// Retry-After header a receiver may send is read in retry_after.hpp).
#pragma once

#include <cstdint>

#include "core/setting_defaults.hpp"

namespace booking_events {

struct BackoffPolicy {
    std::int64_t base_ms = setting_defaults::kBackoffBaseMs.default_value;
    std::int64_t max_ms = setting_defaults::kBackoffMaxMs.default_value;
};

// Delay before the next attempt after `attempts_made` failed attempts (>= 1):
// min(max_ms, base_ms * 2^(attempts_made - 1)), scaled into [50%, 100%] by
// `unit_random` in [0, 1). Jitter spreads retries of a burst that failed
// together so they do not hit a recovering receiver at the same instant.
std::int64_t backoff_delay_ms(const BackoffPolicy &policy, int attempts_made, double unit_random);

}  // namespace booking_events
