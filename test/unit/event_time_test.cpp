// format_event_time against the C library's calendar, byte for byte.
#include "core/event_time.hpp"

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

// What format_event_time wrote before it did its own arithmetic: gmtime_r
// for the calendar, strftime for the fields, printf's "%04lld" for the year
// (strftime's %Y does not pad years below 1000 on every C library).
std::string with_gmtime(std::int64_t unix_ms) {
    std::int64_t seconds = unix_ms / 1000;
    int millis = static_cast<int>(unix_ms % 1000);
    if (millis < 0) {
        millis += 1000;
        seconds -= 1;
    }
    const auto time = static_cast<std::time_t>(seconds);
    std::tm utc{};
    if (gmtime_r(&time, &utc) == nullptr) return "gmtime_r failed";
    char fields[64];
    if (std::strftime(fields, sizeof fields, "-%m-%dT%H:%M:%S", &utc) == 0)
        return "strftime failed";
    char text[96];
    std::snprintf(text, sizeof text, "%04lld%s.%03dZ", utc.tm_year + 1900LL, fields, millis);
    return text;
}

// strftime's own %Y, where it writes four digits.
std::string with_strftime_year(std::int64_t unix_ms) {
    const std::int64_t millis = ((unix_ms % 1000) + 1000) % 1000;
    const auto time = static_cast<std::time_t>((unix_ms - millis) / 1000);
    std::tm utc{};
    gmtime_r(&time, &utc);
    char text[64];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
    return std::string(text) + fraction;
}

constexpr std::int64_t kDayMs = 86400000;

TEST(EventTimeTest, EveryDayFrom1600To2500AtBothEndsOfTheSecond) {
    // 1600-01-01 is day -135140, 2500-12-31 day 193332.
    for (std::int64_t day = -135140; day <= 193332; ++day) {
        const std::int64_t second_of_day = (day * 7919) % 86400;
        const std::int64_t start =
            day * kDayMs + (second_of_day < 0 ? second_of_day + 86400 : second_of_day) * 1000;
        for (std::int64_t ms : {start, start + 999, day * kDayMs, day * kDayMs + kDayMs - 1})
            ASSERT_EQ(format_event_time(ms), with_gmtime(ms)) << ms;
    }
}

TEST(EventTimeTest, FourDigitYearsMatchStrftimeItself) {
    // 1000-01-01 to 9999-12-31, one time per 97 days and 13 hours.
    for (std::int64_t ms = -30610224000000LL; ms <= 253402300799999LL;
         ms += 97 * kDayMs + 13 * 3600000 + 7 * 60000 + 1234)
        ASSERT_EQ(format_event_time(ms), with_strftime_year(ms)) << ms;
}

TEST(EventTimeTest, CenturiesAndLeapDays) {
    // 1900 and 2100 have no February 29th, 2000 has one.
    for (std::int64_t march_first : {-2203891200000LL, 951868800000LL, 4107542400000LL}) {
        for (std::int64_t ms = march_first - 3 * kDayMs; ms <= march_first + kDayMs;
             ms += 3600000 - 1)
            ASSERT_EQ(format_event_time(ms), with_gmtime(ms)) << ms;
    }
    EXPECT_EQ(format_event_time(951782400000LL), "2000-02-29T00:00:00.000Z");
    EXPECT_EQ(format_event_time(-2203891200000LL - 1), "1900-02-28T23:59:59.999Z");
    EXPECT_EQ(format_event_time(4107542400000LL - 1), "2100-02-28T23:59:59.999Z");
}

TEST(EventTimeTest, NegativeTimesAndMilliseconds) {
    for (std::int64_t ms = -5 * kDayMs; ms <= 5 * kDayMs; ms += 999 + 3600000)
        ASSERT_EQ(format_event_time(ms), with_gmtime(ms)) << ms;
    for (std::int64_t ms = -2001; ms <= 2001; ++ms)
        ASSERT_EQ(format_event_time(ms), with_gmtime(ms)) << ms;
    EXPECT_EQ(format_event_time(-1), "1969-12-31T23:59:59.999Z");
    EXPECT_EQ(format_event_time(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(format_event_time(999), "1970-01-01T00:00:00.999Z");
}

TEST(EventTimeTest, YearsOutsideFourDigits) {
    EXPECT_EQ(format_event_time(253402300799999LL), "9999-12-31T23:59:59.999Z");
    EXPECT_EQ(format_event_time(253402300800000LL), "10000-01-01T00:00:00.000Z");
    EXPECT_EQ(format_event_time(-62167219200000LL), "0000-01-01T00:00:00.000Z");
    EXPECT_EQ(format_event_time(-62167219200000LL - 1), "-001-12-31T23:59:59.999Z");
    const std::int64_t beyond[] = {253402300800000LL,
                                   -62167219200000LL - 1,
                                   -62198755200000LL,
                                   -62167219200000LL - 1000LL * kDayMs * 365,
                                   std::numeric_limits<std::int64_t>::min(),
                                   std::numeric_limits<std::int64_t>::max()};
    for (std::int64_t ms : beyond) EXPECT_EQ(format_event_time(ms), with_gmtime(ms)) << ms;
}

TEST(EventTimeTest, ScatteredOverTheWholeRange) {
    // A fixed linear congruential sequence over every int64 millisecond.
    std::uint64_t state = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 200000; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        const auto ms = static_cast<std::int64_t>(state >> (i % 24));
        ASSERT_EQ(format_event_time(ms), with_gmtime(ms)) << ms;
        const std::int64_t near_now = 1768644930123LL +
                                      static_cast<std::int64_t>(state % (200 * 365 * kDayMs)) -
                                      100 * 365 * kDayMs;
        ASSERT_EQ(format_event_time(near_now), with_gmtime(near_now)) << near_now;
    }
}

}  // namespace
}  // namespace booking_events
