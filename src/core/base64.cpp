#include "core/base64.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace booking_events {

std::string base64_encode(std::string_view bytes) {
    // EVP_EncodeBlock writes 4 characters per 3 bytes (padded) and a NUL.
    std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                        reinterpret_cast<const unsigned char *>(bytes.data()),
                                        static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    // Padding, when present, must complete the last quantum exactly; when it
    // is left off, it is restored here (EVP_DecodeBlock wants whole quanta).
    const std::size_t given_padding = static_cast<std::size_t>(
        std::find_if(text.rbegin(), text.rend(), [](char c) { return c != '='; }) - text.rbegin());
    if (given_padding > 2 || (given_padding > 0 && text.size() % 4 != 0)) return std::nullopt;
    std::string padded(text);
    padded.append((4 - padded.size() % 4) % 4, '=');
    const std::size_t padding = padded.size() - text.size() + given_padding;
    if (padding > 2) return std::nullopt;  // one character alone is less than a byte

    std::string out(padded.size() / 4 * 3, '\0');
    if (EVP_DecodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                        reinterpret_cast<const unsigned char *>(padded.data()),
                        static_cast<int>(padded.size())) < 0)
        return std::nullopt;
    out.resize(out.size() - padding);
    // EVP_DecodeBlock forgives surrounding whitespace and leftover bits. A
    // secret that does not survive the round trip is more likely mistyped
    // than meant, so it is rejected rather than silently turned into another
    // key.
    if (base64_encode(out) != padded) return std::nullopt;
    return out;
}

}  // namespace booking_events
