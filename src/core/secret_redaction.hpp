// Keeps secret settings out of log lines. PostgreSQL itself prints setting
// values in some messages ("parameter "x" changed to "v"" on reload, "invalid
// value for parameter "x": "v"" on a rejected value); for the settings that
// hold credentials the value is replaced before the line is written.
#pragma once

#include <optional>
#include <string>

namespace booking_events {

// The settings whose values never appear in a log line.
inline constexpr const char *kSecretSettings[] = {
    "booking_events.api_key", "booking_events.signing_secret", "booking_events.webhook_url"};

// `message` with every quoted value that follows the quoted name of a secret
// setting replaced by "***"; nullopt when there is nothing to replace.
std::optional<std::string> redact_secret_settings(const std::string &message);

}  // namespace booking_events
