#include "core/sha256.hpp"

#include <cstddef>

namespace booking_events {
namespace {

constexpr std::size_t kBlockSize = 64;

// First 32 bits of the fractional parts of the cube roots of the first 64
// primes (FIPS 180-4, 4.2.2).
constexpr std::array<std::uint32_t, 64> kRoundConstants = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// First 32 bits of the fractional parts of the square roots of the first 8
// primes (FIPS 180-4, 5.3.3).
constexpr std::array<std::uint32_t, 8> kInitialState = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

constexpr std::uint32_t rotr(std::uint32_t x, unsigned n) { return (x >> n) | (x << (32U - n)); }

// Streaming form, so HMAC can hash (padded key || message) without first
// concatenating them into a copy of a possibly large webhook body.
class Sha256 {
  public:
    void update(std::string_view data) {
        total_bytes_ += data.size();
        for (char c : data) {
            buffer_[buffered_++] = static_cast<std::uint8_t>(c);
            if (buffered_ == kBlockSize) {
                compress();
                buffered_ = 0;
            }
        }
    }

    Sha256Digest finish() {
        // The length must be captured before padding goes through update().
        const std::uint64_t bit_length = total_bytes_ * 8U;
        buffer_[buffered_++] = 0x80;
        if (buffered_ > kBlockSize - 8) {
            while (buffered_ < kBlockSize) buffer_[buffered_++] = 0;
            compress();
            buffered_ = 0;
        }
        while (buffered_ < kBlockSize - 8) buffer_[buffered_++] = 0;
        for (int shift = 56; shift >= 0; shift -= 8) {
            buffer_[buffered_++] = static_cast<std::uint8_t>(bit_length >> shift);
        }
        compress();

        Sha256Digest digest{};
        for (std::size_t i = 0; i < state_.size(); ++i) {
            digest[4 * i] = static_cast<std::uint8_t>(state_[i] >> 24);
            digest[4 * i + 1] = static_cast<std::uint8_t>(state_[i] >> 16);
            digest[4 * i + 2] = static_cast<std::uint8_t>(state_[i] >> 8);
            digest[4 * i + 3] = static_cast<std::uint8_t>(state_[i]);
        }
        return digest;
    }

  private:
    void compress() {
        std::array<std::uint32_t, 64> w{};
        for (std::size_t t = 0; t < 16; ++t) {
            w[t] = (std::uint32_t{buffer_[4 * t]} << 24) |
                   (std::uint32_t{buffer_[4 * t + 1]} << 16) |
                   (std::uint32_t{buffer_[4 * t + 2]} << 8) | std::uint32_t{buffer_[4 * t + 3]};
        }
        for (std::size_t t = 16; t < 64; ++t) {
            const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
            const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }

        std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
        std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
        for (std::size_t t = 0; t < 64; ++t) {
            const std::uint32_t sum1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
            const std::uint32_t choose = (e & f) ^ (~e & g);
            const std::uint32_t temp1 = h + sum1 + choose + kRoundConstants[t] + w[t];
            const std::uint32_t sum0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
            const std::uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
            const std::uint32_t temp2 = sum0 + majority;
            h = g;
            g = f;
            f = e;
            e = d + temp1;
            d = c;
            c = b;
            b = a;
            a = temp1 + temp2;
        }
        state_[0] += a;
        state_[1] += b;
        state_[2] += c;
        state_[3] += d;
        state_[4] += e;
        state_[5] += f;
        state_[6] += g;
        state_[7] += h;
    }

    std::array<std::uint32_t, 8> state_ = kInitialState;
    std::array<std::uint8_t, kBlockSize> buffer_{};
    std::size_t buffered_ = 0;
    std::uint64_t total_bytes_ = 0;
};

std::string_view as_chars(const std::array<std::uint8_t, kBlockSize> &bytes) {
    return {reinterpret_cast<const char *>(bytes.data()), bytes.size()};
}

}  // namespace

Sha256Digest sha256(std::string_view data) {
    Sha256 hasher;
    hasher.update(data);
    return hasher.finish();
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view message) {
    std::array<std::uint8_t, kBlockSize> block_key{};
    if (key.size() > kBlockSize) {
        const Sha256Digest hashed = sha256(key);
        for (std::size_t i = 0; i < hashed.size(); ++i) block_key[i] = hashed[i];
    } else {
        for (std::size_t i = 0; i < key.size(); ++i) {
            block_key[i] = static_cast<std::uint8_t>(key[i]);
        }
    }

    std::array<std::uint8_t, kBlockSize> inner_pad{};
    std::array<std::uint8_t, kBlockSize> outer_pad{};
    for (std::size_t i = 0; i < kBlockSize; ++i) {
        inner_pad[i] = static_cast<std::uint8_t>(block_key[i] ^ 0x36U);
        outer_pad[i] = static_cast<std::uint8_t>(block_key[i] ^ 0x5cU);
    }

    Sha256 inner;
    inner.update(as_chars(inner_pad));
    inner.update(message);
    const Sha256Digest inner_digest = inner.finish();

    Sha256 outer;
    outer.update(as_chars(outer_pad));
    outer.update({reinterpret_cast<const char *>(inner_digest.data()), inner_digest.size()});
    return outer.finish();
}

}  // namespace booking_events
