// validate_webhook_config(): what is wrong (errors) or questionable (warnings)
// in the settings, without sending anything.
#pragma once

#include <string>
#include <vector>

namespace booking_events {

struct DeliveryConfig {
    std::string webhook_url;
    std::string api_key;
    std::string signing_secret;
    std::string database_name;                   // booking_events.database_name
    std::string current_database;                // where the check runs
    bool worker_loaded = false;                  // shared_preload_libraries has booking_events
    bool paused = false;                         // booking_events.paused
    bool database_name_pending_restart = false;  // changed, the server not restarted yet
    int max_attempts = 8;
    int backoff_base_ms = 1000;
    int backoff_max_ms = 3600000;
    int request_timeout_ms = 10000;
    int max_concurrency = 32;
    int batch_size = 100;
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
