// validate_webhook_config(): what is wrong (errors) or questionable (warnings)
// in the settings, without sending anything.
#pragma once

#include <string>
#include <vector>

#include "core/setting_defaults.hpp"

namespace booking_events {

struct DeliveryConfig {
    std::string webhook_url;
    std::string api_key;
    std::string signing_secret;
    std::string database_name;     // booking_events.database_name
    std::string current_database;  // where the check runs
    bool worker_loaded = false;    // shared_preload_libraries has booking_events
    int max_attempts = setting_defaults::kMaxAttempts.default_value;
    int backoff_base_ms = setting_defaults::kBackoffBaseMs.default_value;
    int backoff_max_ms = setting_defaults::kBackoffMaxMs.default_value;
    int request_timeout_ms = setting_defaults::kRequestTimeoutMs.default_value;
    int max_concurrency = setting_defaults::kMaxConcurrency.default_value;
    int batch_size = setting_defaults::kBatchSize.default_value;
};

struct ConfigReport {
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
    bool valid() const { return errors.empty(); }
};

ConfigReport check_delivery_config(const DeliveryConfig &config);

// Make.com's webhook hosts: hook.<zone>.make.com (and the older
// hook.integromat.com).
bool is_make_webhook_host(const std::string &host);

}  // namespace booking_events
