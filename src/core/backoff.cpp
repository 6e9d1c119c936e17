#include "core/backoff.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <string>

namespace booking_events {

std::int64_t backoff_delay_ms(const BackoffPolicy &policy, int attempts_made, double unit_random) {
    const std::int64_t base = std::max<std::int64_t>(policy.base_ms, 1);
    const std::int64_t cap = std::max<std::int64_t>(policy.max_ms, 1);
    const int exponent = std::clamp(attempts_made, 1, 64) - 1;
    std::int64_t full = cap;
    // Doubling stops as soon as the cap is reached, so it never overflows.
    if (exponent < 62 && base <= (cap >> exponent)) full = base << exponent;
    full = std::min(full, cap);
    const double unit = std::clamp(unit_random, 0.0, 1.0);
    const double scaled = static_cast<double>(full) * (0.5 + 0.5 * unit);
    // Compared before converting: near INT64_MAX the double rounds past `full`
    // and the cast would overflow. Half is rounded up without computing full + 1.
    if (!(scaled < static_cast<double>(full))) return full;
    return std::max<std::int64_t>(static_cast<std::int64_t>(scaled), full - full / 2);
}

std::int64_t unix_seconds_from_utc(int year, int month, int day, int hour, int minute, int second) {
    // Days from civil (Howard Hinnant's algorithm, public domain description).
    const int y = year - (month <= 2 ? 1 : 0);
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned mp = static_cast<unsigned>(month + (month > 2 ? -3 : 9));
    const unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(day) - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const std::int64_t days = static_cast<std::int64_t>(era) * 146097 + doe - 719468;
    return days * 86400 + hour * 3600 + minute * 60 + second;
}

namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    return text;
}

int month_number(std::string_view name) {
    static constexpr std::array<const char *, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (std::size_t i = 0; i < kMonths.size(); ++i)
        if (name.size() == 3 && strncasecmp(name.data(), kMonths[i], 3) == 0)
            return static_cast<int>(i) + 1;
    return 0;
}

// Reads exactly `digits` digits (or 1..digits when `exact` is false).
bool read_number(std::string_view &text, int digits, bool exact, int &out) {
    int value = 0, count = 0;
    while (count < digits && !text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))) {
        value = value * 10 + (text[0] - '0');
        text.remove_prefix(1);
        ++count;
    }
    if (count == 0 || (exact && count != digits)) return false;
    out = value;
    return true;
}

bool expect(std::string_view &text, char c) {
    if (text.empty() || text[0] != c) return false;
    text.remove_prefix(1);
    return true;
}

bool read_word(std::string_view &text, std::string_view &word) {
    std::size_t n = 0;
    while (n < text.size() && std::isalpha(static_cast<unsigned char>(text[n]))) ++n;
    if (n == 0) return false;
    word = text.substr(0, n);
    text.remove_prefix(n);
    return true;
}

bool read_time(std::string_view &text, int &h, int &m, int &s) {
    return read_number(text, 2, true, h) && expect(text, ':') && read_number(text, 2, true, m) &&
           expect(text, ':') && read_number(text, 2, true, s) && h < 24 && m < 60 && s <= 60;
}

void skip_spaces(std::string_view &text) {
    while (!text.empty() && text[0] == ' ') text.remove_prefix(1);
}

// "Sun, 06 Nov 1994 08:49:37 GMT" or "Sunday, 06-Nov-94 08:49:37 GMT".
std::optional<std::int64_t> parse_imf_or_rfc850(std::string_view text) {
    std::string_view weekday, month_name, zone;
    int day = 0, year = 0, h = 0, m = 0, s = 0;
    if (!read_word(text, weekday) || !expect(text, ',')) return std::nullopt;
    skip_spaces(text);
    if (!read_number(text, 2, false, day)) return std::nullopt;
    const bool rfc850 = !text.empty() && text[0] == '-';
    if (rfc850)
        text.remove_prefix(1);
    else
        skip_spaces(text);
    if (!read_word(text, month_name)) return std::nullopt;
    if (rfc850 ? !expect(text, '-') : (skip_spaces(text), false)) return std::nullopt;
    if (!read_number(text, rfc850 ? 2 : 4, true, year)) return std::nullopt;
    if (rfc850) year += year < 70 ? 2000 : 1900;
    skip_spaces(text);
    if (!read_time(text, h, m, s)) return std::nullopt;
    skip_spaces(text);
    if (!read_word(text, zone) || (zone != "GMT" && zone != "UTC") || !trim(text).empty())
        return std::nullopt;
    const int month = month_number(month_name);
    if (month == 0 || day < 1 || day > 31) return std::nullopt;
    return unix_seconds_from_utc(year, month, day, h, m, s);
}

// asctime: "Sun Nov  6 08:49:37 1994".
std::optional<std::int64_t> parse_asctime(std::string_view text) {
    std::string_view weekday, month_name;
    int day = 0, year = 0, h = 0, m = 0, s = 0;
    if (!read_word(text, weekday)) return std::nullopt;
    skip_spaces(text);
    if (!read_word(text, month_name)) return std::nullopt;
    skip_spaces(text);
    if (!read_number(text, 2, false, day)) return std::nullopt;
    skip_spaces(text);
    if (!read_time(text, h, m, s)) return std::nullopt;
    skip_spaces(text);
    if (!read_number(text, 4, true, year) || !trim(text).empty()) return std::nullopt;
    const int month = month_number(month_name);
    if (month == 0 || day < 1 || day > 31) return std::nullopt;
    return unix_seconds_from_utc(year, month, day, h, m, s);
}

}  // namespace

std::optional<std::int64_t> parse_retry_after_ms(std::string_view value, std::int64_t now_unix_ms) {
    value = trim(value);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        // Anything beyond a year is treated as a year: the cap is applied later anyway.
        if (value.size() > 8) return std::int64_t{365} * 86400 * 1000;
        return std::stoll(std::string(value)) * 1000;
    }
    std::optional<std::int64_t> at = parse_imf_or_rfc850(value);
    if (!at) at = parse_asctime(value);
    if (!at) return std::nullopt;
    return std::max<std::int64_t>(0, *at * 1000 - now_unix_ms);
}

}  // namespace booking_events
