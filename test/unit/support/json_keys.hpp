// Small helpers for tests of JSON values.
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace booking_events::test_support {

// The keys of a JSON object.
inline std::set<std::string> keys_of(const nlohmann::json &object) {
    std::set<std::string> keys;
    for (auto it = object.begin(); it != object.end(); ++it) keys.insert(it.key());
    return keys;
}

}  // namespace booking_events::test_support
