#include "core/utf8.hpp"

namespace booking_events {

namespace {

// The length of the well-formed sequence at `bytes[i]`, 0 when none starts
// there.
std::size_t sequence_length(const unsigned char *bytes, std::size_t i, std::size_t length) {
    const unsigned char lead = bytes[i];
    if (lead < 0x80) return 1;
    std::size_t continuation = 0;
    unsigned char low = 0x80;   // the second byte's range rules out overlong
    unsigned char high = 0xBF;  // forms, surrogates and code points past U+10FFFF
    if (lead >= 0xC2 && lead <= 0xDF) {
        continuation = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        continuation = 2;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        continuation = 3;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return 0;
    }
    if (length - i <= continuation) return 0;
    if (bytes[i + 1] < low || bytes[i + 1] > high) return 0;
    for (std::size_t k = 2; k <= continuation; ++k)
        if (bytes[i + k] < 0x80 || bytes[i + k] > 0xBF) return 0;
    return continuation + 1;
}

}  // namespace

bool is_valid_utf8(const char *text, std::size_t length) {
    const auto *bytes = reinterpret_cast<const unsigned char *>(text);
    for (std::size_t i = 0; i < length;) {
        const std::size_t sequence = sequence_length(bytes, i, length);
        if (sequence == 0) return false;
        i += sequence;
    }
    return true;
}

std::string with_invalid_utf8_replaced(std::string text) {
    if (is_valid_utf8(text.data(), text.size())) return text;
    const auto *bytes = reinterpret_cast<const unsigned char *>(text.data());
    std::string replaced;
    replaced.reserve(text.size() + 16);
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t sequence = sequence_length(bytes, i, text.size());
        if (sequence == 0) {
            replaced += "\xEF\xBF\xBD";  // U+FFFD
            ++i;
        } else {
            replaced.append(text, i, sequence);
            i += sequence;
        }
    }
    return replaced;
}

}  // namespace booking_events
