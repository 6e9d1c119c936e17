// Reads the stored endpoints for validate_webhook_config() and
// test_webhook(): the functions that run as the extension's owner and show
// the caller only what it may see (never a secret).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/endpoint_check.hpp"

namespace booking_events {

struct EndpointRow {
    StoredEndpoint stored;  // what the check reads
    std::string api_key;    // empty: none
};

// Whether the extension's schema has endpoints (1.2.0 and later); a
// database not yet updated has only the settings' receiver.
bool endpoints_installed();

// The endpoints named `only` (every one when nullopt), by name. An unknown
// name is an error 42704. Also teaches the log redaction their secrets.
std::vector<EndpointRow> read_endpoints(const std::optional<std::string> &only);

}  // namespace booking_events
