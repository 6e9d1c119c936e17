#include "core/sha256.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace booking_events {
namespace {

const unsigned char *bytes_of(std::string_view text) {
    // OpenSSL wants a non-null pointer even for zero bytes.
    static const unsigned char kNothing = 0;
    return text.empty() ? &kNothing : reinterpret_cast<const unsigned char *>(text.data());
}

}  // namespace

Sha256Digest sha256(std::string_view data) {
    Sha256Digest digest{};
    unsigned int length = 0;
    if (EVP_Digest(bytes_of(data), data.size(), digest.data(), &length, EVP_sha256(), nullptr) !=
            1 ||
        length != digest.size())
        throw std::runtime_error("SHA-256 failed in libcrypto");
    return digest;
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view message) {
    Sha256Digest mac{};
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), bytes_of(key), static_cast<int>(key.size()), bytes_of(message),
             message.size(), mac.data(), &length) == nullptr ||
        length != mac.size())
        throw std::runtime_error("HMAC-SHA256 failed in libcrypto");
    return mac;
}

}  // namespace booking_events
