// Shared by the endpoint runtime and rate limiter tests: a fixed clock
// origin, endpoint settings whose breaker opens after 3 failures and probes
// every 30 s (every state in a few steps), and the brute-force window check.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/endpoint_runtime.hpp"

namespace booking_events::endpoint_test {

constexpr std::int64_t kNow = 1768644930000;

inline EndpointSettings endpoint_settings(const std::string &name) {
    EndpointSettings settings;
    settings.name = name;
    settings.breaker_failures = 3;
    settings.breaker_probe_ms = 30000;
    return settings;
}

// The most times in any half-open window [a, a + window_ms), by brute force.
// Only windows starting at a time in the list matter: sliding a window right
// until its start meets one never loses one.
inline int busiest_window(const std::vector<std::int64_t> &times, std::int64_t window_ms) {
    int busiest = 0;
    for (std::int64_t start : times) {
        int count = 0;
        for (std::int64_t time : times)
            if (time >= start && time < start + window_ms) ++count;
        busiest = std::max(busiest, count);
    }
    return busiest;
}

}  // namespace booking_events::endpoint_test
