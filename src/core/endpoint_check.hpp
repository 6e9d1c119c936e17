// The endpoint side of the admin functions, without PostgreSQL: what
// webhook_endpoint_set() refuses, and what validate_webhook_config() says
// about the endpoints already stored.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config_check.hpp"

namespace booking_events {

// The arguments of webhook_endpoint_set() (NULL api_key / signing_secret:
// none; the SQL layer refuses the NULLs that are not allowed).
struct EndpointDefinition {
    std::string name;
    std::string url;
    std::vector<std::string> event_types;
    std::optional<double> max_per_second;  // nullopt: no limit
    long long batch_max = 1;
    std::string api_key;         // empty: none
    std::string signing_secret;  // empty: none; several for rotation, like the setting
};

struct EndpointRefusal {
    std::string message;  // for an SQLSTATE 22023 error
    std::string hint;     // may be empty
};

// Why webhook_endpoint_set() refuses this definition, or nullopt when it
// takes it. `default` is refused: its URL and secrets are the settings.
std::optional<EndpointRefusal> endpoint_definition_problem(const EndpointDefinition &definition);

// The signing-secret check shared with the setting: the problem of the
// first bad entry of a whitespace- or comma-separated list, or nullopt.
std::optional<std::string> signing_secrets_problem(const std::string &secrets);

// An endpoint as stored, with what the check needs to know around it.
struct StoredEndpoint {
    std::string name;
    std::string url;  // empty for `default` (the setting is checked on its own)
    std::vector<std::string> event_types;
    std::optional<double> max_per_second;
    long long batch_max = 1;
    std::string signing_secret;
    bool paused = false;
    long long pending = 0;  // pending deliveries
    std::string state;      // webhook_endpoint_state.state, empty when none yet
};

// Adds to `report` what is wrong (errors) or questionable (warnings) about
// one stored endpoint. `default_url_set`: booking_events.webhook_url is
// not empty.
void check_stored_endpoint(const StoredEndpoint &endpoint, bool default_url_set,
                           ConfigReport &report);

}  // namespace booking_events
