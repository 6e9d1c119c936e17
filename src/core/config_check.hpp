// validate_webhook_config(): what is wrong (errors) or questionable (warnings)
// in the settings, without sending anything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/setting_defaults.hpp"

namespace booking_events {

struct DeliveryConfig {
    std::string webhook_url;
    std::string api_key;
    std::string signing_secret;
    std::string ca_file;                         // booking_events.ca_file
    std::string ca_file_problem;                 // why it cannot be read; empty: it can
    std::string database_name;                   // booking_events.database_name
    std::string current_database;                // where the check runs
    bool worker_loaded = false;                  // shared_preload_libraries has booking_events
    bool paused = false;                         // booking_events.paused
    bool database_name_pending_restart = false;  // changed, the server not restarted yet
    int max_attempts = setting_defaults::kMaxAttempts.default_value;
    int backoff_base_ms = setting_defaults::kBackoffBaseMs.default_value;
    int backoff_max_ms = setting_defaults::kBackoffMaxMs.default_value;
    int request_timeout_ms = setting_defaults::kRequestTimeoutMs.default_value;
    int max_concurrency = setting_defaults::kMaxConcurrency.default_value;
    int batch_size = setting_defaults::kBatchSize.default_value;
    // validate_webhook_config(endpoint): false when only a named endpoint is
    // checked, so the settings of `default` (webhook_url, api_key,
    // signing_secret) are left out.
    bool check_default_target = true;
    // Other endpoints exist: an empty webhook_url only leaves `default` unused.
    bool has_other_endpoints = false;
};

struct ConfigReport {
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
    bool valid() const { return errors.empty(); }
};

ConfigReport check_delivery_config(const DeliveryConfig &config);

// Why this process cannot read `path` as a CA bundle ("No such file or
// directory", "it is a directory"); nullopt when it can.
std::optional<std::string> ca_file_problem(const std::string &path);

// Make.com's webhook hosts: hook.<zone>.make.com (and the older
// hook.integromat.com).
bool is_make_webhook_host(const std::string &host);

}  // namespace booking_events
