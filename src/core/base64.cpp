#include "core/base64.hpp"

#include <cstddef>
#include <cstdint>

namespace booking_events {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Sextet value of a character, or -1 when it is not in the alphabet.
int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t group = (std::uint32_t{static_cast<std::uint8_t>(bytes[i])} << 16) |
                                    (std::uint32_t{static_cast<std::uint8_t>(bytes[i + 1])} << 8) |
                                    std::uint32_t{static_cast<std::uint8_t>(bytes[i + 2])};
        out += kAlphabet[(group >> 18) & 0x3f];
        out += kAlphabet[(group >> 12) & 0x3f];
        out += kAlphabet[(group >> 6) & 0x3f];
        out += kAlphabet[group & 0x3f];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const std::uint32_t group = std::uint32_t{static_cast<std::uint8_t>(bytes[i])} << 16;
        out += kAlphabet[(group >> 18) & 0x3f];
        out += kAlphabet[(group >> 12) & 0x3f];
        out += "==";
    } else if (rest == 2) {
        const std::uint32_t group = (std::uint32_t{static_cast<std::uint8_t>(bytes[i])} << 16) |
                                    (std::uint32_t{static_cast<std::uint8_t>(bytes[i + 1])} << 8);
        out += kAlphabet[(group >> 18) & 0x3f];
        out += kAlphabet[(group >> 12) & 0x3f];
        out += kAlphabet[(group >> 6) & 0x3f];
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    // Padding, when present, must complete the last quantum exactly.
    std::size_t padding = 0;
    while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
        ++padding;
    }
    if (padding > 0 && text.size() % 4 != 0) return std::nullopt;
    const std::string_view data = text.substr(0, text.size() - padding);
    // One character alone carries 6 bits: less than a byte, so never valid.
    if (data.size() % 4 == 1) return std::nullopt;

    std::string out;
    out.reserve(data.size() / 4 * 3 + 2);
    std::uint32_t bits = 0;
    int bit_count = 0;
    for (char c : data) {
        const int value = sextet(c);
        if (value < 0) return std::nullopt;  // includes a third '=' or one mid-text
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        bit_count += 6;
        if (bit_count >= 8) {
            bit_count -= 8;
            out += static_cast<char>((bits >> bit_count) & 0xff);
        }
    }
    // Encoders always leave the unused low bits of the last sextet zero.
    if ((bits & ((1U << bit_count) - 1U)) != 0) return std::nullopt;
    return out;
}

}  // namespace booking_events
