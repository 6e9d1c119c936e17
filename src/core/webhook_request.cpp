#include "core/webhook_request.hpp"

#include <algorithm>
#include <optional>

#include "core/signature.hpp"

namespace booking_events {

bool is_safe_header_value(const std::string &value) {
    return std::none_of(value.begin(), value.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::vector<std::string> signing_keys_from_setting(const std::string &setting) {
    std::vector<std::string> keys;
    for (const std::string &secret : split_secrets(setting))
        if (std::optional<std::string> key = signing_key_from_secret(secret))
            keys.push_back(std::move(*key));
    return keys;
}

HttpRequest build_webhook_request(const WebhookTarget &target, std::uint64_t tag,
                                  const std::string &event_id, std::string body,
                                  std::int64_t unix_seconds) {
    HttpRequest request;
    request.tag = tag;
    request.url = target.url;
    request.timeout_ms = target.timeout_ms;
    // Connecting may use the whole budget, but not more than 10 s of it: a
    // host that does not answer SYN is down, and the retry comes sooner.
    constexpr long kLongestConnectMs = 10000;
    request.connect_timeout_ms = std::min<long>(target.timeout_ms, kLongestConnectMs);
    const std::string timestamp = std::to_string(unix_seconds);
    request.headers.push_back("Content-Type: application/json");
    request.headers.push_back("User-Agent: " + target.user_agent);
    request.headers.push_back("webhook-id: " + event_id);
    request.headers.push_back("webhook-timestamp: " + timestamp);
    if (!target.signing_keys.empty())
        request.headers.push_back(
            "webhook-signature: " +
            standard_webhooks_signature(target.signing_keys, event_id, timestamp, body));
    // An endpoint's key stored before webhook_endpoint_set() refused line
    // breaks could add headers of its own: such a key is not sent.
    if (!target.api_key.empty() && is_safe_header_value(target.api_key))
        request.headers.push_back("x-make-apikey: " + target.api_key);
    request.body = std::move(body);
    return request;
}

}  // namespace booking_events
