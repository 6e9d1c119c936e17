#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace booking_events {

// SHA-256 and HMAC-SHA256 from OpenSSL's libcrypto (which libcurl loads
// anyway), behind an interface that knows nothing of OpenSSL.
using Sha256Digest = std::array<std::uint8_t, 32>;

// FIPS 180-4 SHA-256 of arbitrary bytes (string_view may contain NULs).
Sha256Digest sha256(std::string_view data);

// RFC 2104 HMAC with SHA-256 (a key longer than the 64-byte block is hashed
// first, as the RFC requires).
Sha256Digest hmac_sha256(std::string_view key, std::string_view message);

}  // namespace booking_events
