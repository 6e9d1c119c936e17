// Endpoint names: what webhook_endpoint_set() accepts as `name`. A name is
// shown in log lines, webhook_logs.endpoint and webhook_endpoints_status, so
// it is kept to characters that need no quoting anywhere.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace booking_events {

// The endpoint that booking_events.webhook_url (with api_key and
// signing_secret) configures.
constexpr std::string_view kDefaultEndpointName = "default";
constexpr std::size_t kMaxEndpointNameBytes = 63;

// Why `name` cannot name an endpoint, or nullopt when it can: 1 to 63 ASCII
// letters, digits, '_', '-' or '.', starting with a letter or a digit.
std::optional<std::string> endpoint_name_problem(std::string_view name);

}  // namespace booking_events
