// One webhook POST as the contract describes it: body, headers, signature.
// Used by the delivery worker and by test_webhook(), so both send the same.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/http_driver.hpp"
#include "core/setting_defaults.hpp"

namespace booking_events {

struct WebhookTarget {
    std::string url;
    std::string api_key;                    // x-make-apikey when not empty and safe
    std::vector<std::string> signing_keys;  // decoded keys; one signature each
    std::string user_agent;                 // "booking_events/<version>"
    long timeout_ms = setting_defaults::kRequestTimeoutMs.default_value;
};

// Whether `value` may go into an HTTP header line: no line break or other
// control character, which would end the line and add headers of its own.
bool is_safe_header_value(const std::string &value);

// Decodes the signing_secret setting into keys. Invalid entries are skipped
// (the setting's check hook already rejects them).
std::vector<std::string> signing_keys_from_setting(const std::string &setting);

HttpRequest build_webhook_request(const WebhookTarget &target, std::uint64_t tag,
                                  const std::string &event_id, std::string body,
                                  std::int64_t unix_seconds);

}  // namespace booking_events
