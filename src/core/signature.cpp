#include "core/signature.hpp"

#include "core/base64.hpp"
#include "core/sha256.hpp"

namespace booking_events {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";

// Neither separator can occur inside a whsec_ secret (base64 has neither), so
// splitting on them never cuts a Standard Webhooks secret in two.
bool is_separator(char c) {
    return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

std::optional<std::string> signing_key_from_secret(std::string_view secret) {
    if (secret.substr(0, kSecretPrefix.size()) != kSecretPrefix) return std::string(secret);
    std::optional<std::string> key = base64_decode(secret.substr(kSecretPrefix.size()));
    // An empty key would sign with no secret at all; "whsec_" alone is surely
    // a configuration mistake, so it is reported like bad base64.
    if (!key || key->empty()) return std::nullopt;
    return key;
}

std::vector<std::string> split_secrets(std::string_view setting) {
    std::vector<std::string> secrets;
    std::size_t pos = 0;
    while (pos < setting.size()) {
        while (pos < setting.size() && is_separator(setting[pos])) ++pos;
        const std::size_t start = pos;
        while (pos < setting.size() && !is_separator(setting[pos])) ++pos;
        if (pos > start) secrets.emplace_back(setting.substr(start, pos - start));
    }
    return secrets;
}

std::string standard_webhooks_signature(const std::vector<std::string> &keys,
                                        std::string_view webhook_id, std::string_view timestamp,
                                        std::string_view body) {
    std::string signed_content;
    signed_content.reserve(webhook_id.size() + timestamp.size() + body.size() + 2);
    signed_content.append(webhook_id).append(1, '.').append(timestamp).append(1, '.').append(body);

    std::string header;
    for (const std::string &key : keys) {
        const Sha256Digest mac = hmac_sha256(key, signed_content);
        if (!header.empty()) header += ' ';
        header += "v1,";
        header += base64_encode({reinterpret_cast<const char *>(mac.data()), mac.size()});
    }
    return header;
}

}  // namespace booking_events
