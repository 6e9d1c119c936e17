#include "core/event_time.hpp"

namespace booking_events {

namespace {

struct CivilDate {
    std::int64_t year;
    unsigned month;  // 1..12
    unsigned day;    // 1..31
};

// The proleptic Gregorian date `days` after 1970-01-01, counted in 400-year
// eras starting on March 1st, so that the leap day ends each era's year
// (Howard Hinnant's "civil_from_days").
CivilDate civil_from_days(std::int64_t days) {
    days += 719468;  // 0000-03-01 to 1970-01-01
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto day_of_era = static_cast<unsigned>(days - era * 146097);
    const unsigned year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const unsigned day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const unsigned month_from_march = (5 * day_of_year + 2) / 153;
    CivilDate date;
    date.day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    date.month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
    date.year = static_cast<std::int64_t>(year_of_era) + era * 400 + (date.month <= 2 ? 1 : 0);
    return date;
}

char *write_digits(char *out, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return out + width;
}

// printf's "%04lld": at least four characters, the sign counting as one.
char *write_year(char *out, std::int64_t year) {
    const bool negative = year < 0;
    std::uint64_t magnitude =
        negative ? 0 - static_cast<std::uint64_t>(year) : static_cast<std::uint64_t>(year);
    char digits[20];
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (negative) *out++ = '-';
    for (int pad = (negative ? 3 : 4) - count; pad > 0; --pad) *out++ = '0';
    while (count > 0) *out++ = digits[--count];
    return out;
}

}  // namespace

std::string format_event_time(std::int64_t unix_ms) {
    // Floor division: times before 1970 keep a positive millisecond part,
    // and their day starts at its midnight.
    std::int64_t seconds = unix_ms / 1000;
    int millis = static_cast<int>(unix_ms % 1000);
    if (millis < 0) {
        millis += 1000;
        seconds -= 1;
    }
    std::int64_t days = seconds / 86400;
    auto second_of_day = static_cast<int>(seconds % 86400);
    if (second_of_day < 0) {
        second_of_day += 86400;
        days -= 1;
    }
    const CivilDate date = civil_from_days(days);
    char buffer[48];
    char *out = write_year(buffer, date.year);
    *out++ = '-';
    out = write_digits(out, date.month, 2);
    *out++ = '-';
    out = write_digits(out, date.day, 2);
    *out++ = 'T';
    out = write_digits(out, static_cast<unsigned>(second_of_day / 3600), 2);
    *out++ = ':';
    out = write_digits(out, static_cast<unsigned>(second_of_day / 60 % 60), 2);
    *out++ = ':';
    out = write_digits(out, static_cast<unsigned>(second_of_day % 60), 2);
    *out++ = '.';
    out = write_digits(out, static_cast<unsigned>(millis), 3);
    *out++ = 'Z';
    return std::string(buffer, static_cast<std::size_t>(out - buffer));
}

}  // namespace booking_events
