// Shared by the endpoint runtime and scheduler tests: a fixed clock origin
// and endpoint settings whose breaker opens after 3 failures, probing every
// 30 s, so tests reach every state in a few steps.
#pragma once

#include <cstdint>
#include <string>

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

}  // namespace booking_events::endpoint_test
