#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace booking_events {

// Signing per Standard Webhooks (https://www.standardwebhooks.com/): the
// receiver recomputes HMAC-SHA256 over "id.timestamp.body" and compares it with
// one of the space-separated "v1,<base64>" entries of the webhook-signature
// header.

// A configured secret: "whsec_<base64>" is decoded to its key bytes (Standard
// Webhooks); anything else is used as raw key bytes. Returns nullopt for
// "whsec_" followed by invalid base64 or by nothing at all (the caller reports
// it).
std::optional<std::string> signing_key_from_secret(std::string_view secret);

// Splits the setting value into secrets: several secrets may be configured for
// rotation, separated by whitespace or commas ("whsec_new whsec_old"); empty
// items ignored.
std::vector<std::string> split_secrets(std::string_view setting);

// "v1,<base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))>" for each
// key, joined by a single space, in the order given. No keys gives "".
std::string standard_webhooks_signature(const std::vector<std::string> &keys,
                                        std::string_view webhook_id, std::string_view timestamp,
                                        std::string_view body);

}  // namespace booking_events
