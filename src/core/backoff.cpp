#include "core/backoff.hpp"

#include <algorithm>

namespace booking_events {

std::int64_t backoff_delay_ms(const BackoffPolicy &policy, int attempts_made, double unit_random) {
    const std::int64_t base = std::max<std::int64_t>(policy.base_ms, 1);
    const std::int64_t cap = std::max<std::int64_t>(policy.max_ms, 1);
    const int exponent = std::clamp(attempts_made, 1, 64) - 1;
    std::int64_t full = cap;
    // Doubling stops as soon as the cap is reached, so it never overflows.
    if (exponent < 62 && base <= (cap >> exponent)) full = base << exponent;
    full = std::min(full, cap);
    const double unit = std::clamp(unit_random, 0.0, 1.0);
    const double scaled = static_cast<double>(full) * (0.5 + 0.5 * unit);
    // Compared before converting: near INT64_MAX the double rounds past `full`
    // and the cast would overflow. Half is rounded up without computing full + 1.
    if (!(scaled < static_cast<double>(full))) return full;
    return std::max<std::int64_t>(static_cast<std::int64_t>(scaled), full - full / 2);
}

}  // namespace booking_events
