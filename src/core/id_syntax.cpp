#include "core/id_syntax.hpp"

#include <cctype>
#include <cstdint>
#include <limits>

namespace booking_events {

namespace {

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_hex_digit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

bool integer_in_range(std::string_view text, std::int64_t min, std::int64_t max) {
    const bool negative = !text.empty() && text[0] == '-';
    const std::string_view digits = text.substr(negative ? 1 : 0);
    if (digits.empty() || digits.size() > 19) return false;
    // Accumulated as a negative number, which reaches int64's minimum.
    std::int64_t value = 0;
    for (char c : digits) {
        if (!is_digit(c)) return false;
        const int digit = c - '0';
        if (value < (std::numeric_limits<std::int64_t>::min() + digit) / 10) return false;
        value = value * 10 - digit;
    }
    if (!negative) {
        if (value == std::numeric_limits<std::int64_t>::min()) return false;
        value = -value;
    }
    return value >= min && value <= max;
}

// PostgreSQL's uuid_in: 32 hex digits, optionally in braces, with a hyphen
// allowed after any group of four digits but the last.
bool is_uuid(std::string_view text) {
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}')
        text = text.substr(1, text.size() - 2);
    int digits = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (is_hex_digit(text[i])) {
            ++digits;
        } else if (text[i] == '-') {
            if (digits == 0 || digits % 4 != 0 || digits == 32 || text[i - 1] == '-') return false;
        } else {
            return false;
        }
    }
    return digits == 32;
}

}  // namespace

bool id_matches_syntax(std::string_view text, IdSyntax syntax) {
    switch (syntax) {
        case IdSyntax::Int16:
            return integer_in_range(text, std::numeric_limits<std::int16_t>::min(),
                                    std::numeric_limits<std::int16_t>::max());
        case IdSyntax::Int32:
            return integer_in_range(text, std::numeric_limits<std::int32_t>::min(),
                                    std::numeric_limits<std::int32_t>::max());
        case IdSyntax::Int64:
            return integer_in_range(text, std::numeric_limits<std::int64_t>::min(),
                                    std::numeric_limits<std::int64_t>::max());
        case IdSyntax::Uuid:
            return is_uuid(text);
        case IdSyntax::Text:
            return text.find('\0') == std::string_view::npos;
        case IdSyntax::Unsupported:
            return false;
    }
    return false;
}

}  // namespace booking_events
