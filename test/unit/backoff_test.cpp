#include "core/backoff.hpp"

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

// The largest value a uniform generator in [0, 1) can return.
const double kAlmostOne = std::nextafter(1.0, 0.0);

constexpr BackoffPolicy kDefaults{1000, 3600000};

// ---------------------------------------------------------------------------
// backoff_delay_ms: min(max_ms, base_ms * 2^(n-1)), jittered into [50%, 100%].

TEST(BackoffDelayTest, FirstRetryIsBaseJitteredIntoUpperHalf) {
    EXPECT_EQ(backoff_delay_ms(kDefaults, 1, 0.0), 500);
    EXPECT_EQ(backoff_delay_ms(kDefaults, 1, 0.5), 750);
    EXPECT_EQ(backoff_delay_ms(kDefaults, 1, kAlmostOne), 1000);
}

TEST(BackoffDelayTest, DoublesWithEveryAttempt) {
    std::int64_t full = 1000;
    for (int attempt = 1; attempt <= 12; ++attempt, full *= 2) {
        SCOPED_TRACE(attempt);
        EXPECT_EQ(backoff_delay_ms(kDefaults, attempt, 0.0), full / 2);
        EXPECT_EQ(backoff_delay_ms(kDefaults, attempt, kAlmostOne), full);
    }
    // Attempt 12 is 1000 * 2^11 = 2048000, still under the one-hour cap.
    EXPECT_EQ(backoff_delay_ms(kDefaults, 12, kAlmostOne), 2048000);
}

TEST(BackoffDelayTest, CappedAtMax) {
    // 1000 * 2^12 = 4096000 would exceed 3600000.
    EXPECT_EQ(backoff_delay_ms(kDefaults, 13, 0.0), 1800000);
    EXPECT_EQ(backoff_delay_ms(kDefaults, 13, kAlmostOne), 3600000);
    EXPECT_EQ(backoff_delay_ms(kDefaults, 20, kAlmostOne), 3600000);

    const BackoffPolicy small_cap{1000, 5000};
    EXPECT_EQ(backoff_delay_ms(small_cap, 3, kAlmostOne), 4000);
    EXPECT_EQ(backoff_delay_ms(small_cap, 4, kAlmostOne), 5000);  // 8000 capped
    EXPECT_EQ(backoff_delay_ms(small_cap, 4, 0.0), 2500);
}

TEST(BackoffDelayTest, CapExactlyReachedIsNotExceeded) {
    const BackoffPolicy policy{1000, 4000};
    EXPECT_EQ(backoff_delay_ms(policy, 3, kAlmostOne), 4000);
    EXPECT_EQ(backoff_delay_ms(policy, 4, kAlmostOne), 4000);
}

TEST(BackoffDelayTest, AlwaysWithinHalfAndFullOfTheCappedValue) {
    const BackoffPolicy policy{1000, 3600000};
    for (int attempt = 1; attempt <= 30; ++attempt) {
        const std::int64_t full =
            attempt <= 12 ? (std::int64_t{1000} << (attempt - 1)) : policy.max_ms;
        for (double unit : {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999999, kAlmostOne}) {
            const std::int64_t delay = backoff_delay_ms(policy, attempt, unit);
            EXPECT_GE(2 * delay, full) << "attempt " << attempt << " unit " << unit;
            EXPECT_LE(delay, full) << "attempt " << attempt << " unit " << unit;
        }
    }
}

TEST(BackoffDelayTest, GrowsMonotonicallyWithUnitRandom) {
    std::int64_t previous = 0;
    for (int step = 0; step < 100; ++step) {
        const std::int64_t delay = backoff_delay_ms(kDefaults, 4, step / 100.0);
        EXPECT_GE(delay, previous);
        previous = delay;
    }
}

TEST(BackoffDelayTest, OddValueLowerBoundIsRoundedUpToStayAtFiftyPercent) {
    // Half of 1001 is 500.5: 500 would be below 50%.
    EXPECT_EQ(backoff_delay_ms(BackoffPolicy{1001, 3600000}, 1, 0.0), 501);
    EXPECT_EQ(backoff_delay_ms(BackoffPolicy{1001, 3600000}, 1, kAlmostOne), 1001);
}

TEST(BackoffDelayTest, HugeAttemptNumbersDoNotOverflow) {
    for (int attempt : {31, 32, 62, 63, 64, 65, 1000, INT_MAX}) {
        SCOPED_TRACE(attempt);
        EXPECT_EQ(backoff_delay_ms(kDefaults, attempt, 0.0), 1800000);
        EXPECT_EQ(backoff_delay_ms(kDefaults, attempt, kAlmostOne), 3600000);
    }
    // A cap near the top of int64: doubling 1 reaches it only at 2^62.
    const BackoffPolicy wide{1, std::int64_t{1} << 62};
    EXPECT_EQ(backoff_delay_ms(wide, 62, kAlmostOne), std::int64_t{1} << 61);
    EXPECT_EQ(backoff_delay_ms(wide, 63, kAlmostOne), std::int64_t{1} << 62);
    EXPECT_EQ(backoff_delay_ms(wide, INT_MAX, kAlmostOne), std::int64_t{1} << 62);
}

TEST(BackoffDelayTest, LargestPossibleCapStaysPositiveAndInRange) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    const BackoffPolicy policy{kMax, kMax};
    const std::int64_t low = backoff_delay_ms(policy, INT_MAX, 0.0);
    const std::int64_t high = backoff_delay_ms(policy, INT_MAX, kAlmostOne);
    EXPECT_EQ(low, kMax / 2 + 1);
    EXPECT_EQ(high, kMax);
    const std::int64_t middle = backoff_delay_ms(policy, 1, 0.5);
    EXPECT_GT(middle, low);
    EXPECT_LT(middle, high);
}

TEST(BackoffDelayTest, BaseLargerThanMaxIsCappedFromTheFirstRetry) {
    const BackoffPolicy policy{5000, 1000};
    EXPECT_EQ(backoff_delay_ms(policy, 1, 0.0), 500);
    EXPECT_EQ(backoff_delay_ms(policy, 1, kAlmostOne), 1000);
    EXPECT_EQ(backoff_delay_ms(policy, 10, kAlmostOne), 1000);
}

TEST(BackoffDelayTest, AttemptsBelowOneCountAsTheFirstRetry) {
    EXPECT_EQ(backoff_delay_ms(kDefaults, 0, kAlmostOne), 1000);
    EXPECT_EQ(backoff_delay_ms(kDefaults, -5, kAlmostOne), 1000);
    EXPECT_EQ(backoff_delay_ms(kDefaults, INT_MIN, 0.0), 500);
}

TEST(BackoffDelayTest, UnitRandomOutsideZeroOneIsClamped) {
    EXPECT_EQ(backoff_delay_ms(kDefaults, 2, -3.0), 1000);
    EXPECT_EQ(backoff_delay_ms(kDefaults, 2, 7.0), 2000);
    EXPECT_EQ(backoff_delay_ms(kDefaults, 2, 1.0), 2000);
}

// ---------------------------------------------------------------------------
// unix_seconds_from_utc, checked against GNU date.

TEST(UnixSecondsFromUtcTest, KnownEpochValues) {
    // date -u -d '1970-01-01 00:00:00 UTC' +%s  -> 0
    EXPECT_EQ(unix_seconds_from_utc(1970, 1, 1, 0, 0, 0), 0);
    // date -u -d '1969-12-31 23:59:59 UTC' +%s  -> -1
    EXPECT_EQ(unix_seconds_from_utc(1969, 12, 31, 23, 59, 59), -1);
    // date -u -d '1994-11-06 08:49:37 UTC' +%s  -> 784111777
    EXPECT_EQ(unix_seconds_from_utc(1994, 11, 6, 8, 49, 37), 784111777);
    // date -u -d '2000-02-29 00:00:00 UTC' +%s  -> 951782400
    EXPECT_EQ(unix_seconds_from_utc(2000, 2, 29, 0, 0, 0), 951782400);
    // date -u -d '2024-02-29 12:34:56 UTC' +%s  -> 1709210096
    EXPECT_EQ(unix_seconds_from_utc(2024, 2, 29, 12, 34, 56), 1709210096);
    // date -u -d '2024-03-01 00:00:00 UTC' +%s  -> 1709251200
    EXPECT_EQ(unix_seconds_from_utc(2024, 3, 1, 0, 0, 0), 1709251200);
    // date -u -d '2023-03-01 00:00:00 UTC' +%s  -> 1677628800
    EXPECT_EQ(unix_seconds_from_utc(2023, 3, 1, 0, 0, 0), 1677628800);
    // date -u -d '2026-01-17 10:15:30 UTC' +%s  -> 1768644930
    EXPECT_EQ(unix_seconds_from_utc(2026, 1, 17, 10, 15, 30), 1768644930);
    // date -u -d '2038-01-19 03:14:08 UTC' +%s  -> 2147483648 (past 32-bit time_t)
    EXPECT_EQ(unix_seconds_from_utc(2038, 1, 19, 3, 14, 8), 2147483648LL);
}

TEST(UnixSecondsFromUtcTest, CenturyRulesAndDistantYears) {
    // date -u -d '1900-01-01 00:00:00 UTC' +%s  -> -2208988800
    EXPECT_EQ(unix_seconds_from_utc(1900, 1, 1, 0, 0, 0), -2208988800LL);
    // date -u -d '1899-12-31 23:59:59 UTC' +%s  -> -2208988801
    EXPECT_EQ(unix_seconds_from_utc(1899, 12, 31, 23, 59, 59), -2208988801LL);
    // date -u -d '2100-03-01 00:00:00 UTC' +%s  -> 4107542400 (2100 is not a leap year)
    EXPECT_EQ(unix_seconds_from_utc(2100, 3, 1, 0, 0, 0), 4107542400LL);
    // date -u -d '1600-03-01 00:00:00 UTC' +%s  -> -11670912000
    EXPECT_EQ(unix_seconds_from_utc(1600, 3, 1, 0, 0, 0), -11670912000LL);
    // date -u -d '0001-01-01 00:00:00 UTC' +%s  -> -62135596800
    EXPECT_EQ(unix_seconds_from_utc(1, 1, 1, 0, 0, 0), -62135596800LL);
    // date -u -d '9999-12-31 23:59:59 UTC' +%s  -> 253402300799
    EXPECT_EQ(unix_seconds_from_utc(9999, 12, 31, 23, 59, 59), 253402300799LL);
}

TEST(UnixSecondsFromUtcTest, DoesNotDependOnTheProcessTimeZone) {
    // The function must not consult TZ; a different local zone changes nothing.
    const char *saved = std::getenv("TZ");
    const std::optional<std::string> previous =
        saved ? std::optional<std::string>(saved) : std::nullopt;
    setenv("TZ", "America/New_York", 1);
    tzset();
    const std::int64_t value = unix_seconds_from_utc(1994, 11, 6, 8, 49, 37);
    if (previous)
        setenv("TZ", previous->c_str(), 1);
    else
        unsetenv("TZ");
    tzset();
    EXPECT_EQ(value, 784111777);
}

// ---------------------------------------------------------------------------
// parse_retry_after_ms

// date -u -d '1994-11-06 08:49:37 UTC' +%s  -> 784111777
constexpr std::int64_t kExampleDateMs = 784111777LL * 1000;

TEST(ParseRetryAfterTest, DeltaSeconds) {
    EXPECT_EQ(parse_retry_after_ms("120", 0), 120000);
    EXPECT_EQ(parse_retry_after_ms("0", 0), 0);
    EXPECT_EQ(parse_retry_after_ms("1", kExampleDateMs), 1000);
    EXPECT_EQ(parse_retry_after_ms("86400", 0), 86400000);
}

TEST(ParseRetryAfterTest, DeltaSecondsIgnoresSurroundingWhitespace) {
    EXPECT_EQ(parse_retry_after_ms("  120", 0), 120000);
    EXPECT_EQ(parse_retry_after_ms("120  ", 0), 120000);
    EXPECT_EQ(parse_retry_after_ms("\t120\r\n", 0), 120000);
}

TEST(ParseRetryAfterTest, HugeDeltaSecondsDoNotOverflow) {
    const std::int64_t one_year_ms = std::int64_t{365} * 86400 * 1000;
    EXPECT_EQ(parse_retry_after_ms("99999999", 0), std::int64_t{99999999} * 1000);
    EXPECT_EQ(parse_retry_after_ms("999999999999999999999999999", 0), one_year_ms);
}

TEST(ParseRetryAfterTest, ImfFixdate) {
    EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", kExampleDateMs - 30000), 30000);
    // Millisecond precision against `now`.
    EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", kExampleDateMs - 1), 1);
    EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", kExampleDateMs), 0);
}

TEST(ParseRetryAfterTest, Rfc850Date) {
    EXPECT_EQ(parse_retry_after_ms("Sunday, 06-Nov-94 08:49:37 GMT", kExampleDateMs - 30000),
              30000);
}

TEST(ParseRetryAfterTest, Rfc850TwoDigitYearOfThisCentury) {
    // date -u -d '2026-01-17 10:15:30 UTC' +%s  -> 1768644930
    EXPECT_EQ(parse_retry_after_ms("Saturday, 17-Jan-26 10:17:30 GMT", 1768644930LL * 1000),
              120000);
}

TEST(ParseRetryAfterTest, AsctimeDate) {
    EXPECT_EQ(parse_retry_after_ms("Sun Nov  6 08:49:37 1994", kExampleDateMs - 30000), 30000);
    // date -u -d '1994-11-16 08:49:37 UTC' +%s  -> 784975777
    EXPECT_EQ(parse_retry_after_ms("Wed Nov 16 08:49:37 1994", 784975777LL * 1000 - 5000), 5000);
}

TEST(ParseRetryAfterTest, AllThreeDateFormsAgree) {
    const std::int64_t now = kExampleDateMs - 123000;
    const std::optional<std::int64_t> imf =
        parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", now);
    ASSERT_TRUE(imf.has_value());
    EXPECT_EQ(*imf, 123000);
    EXPECT_EQ(parse_retry_after_ms("Sunday, 06-Nov-94 08:49:37 GMT", now), imf);
    EXPECT_EQ(parse_retry_after_ms("Sun Nov  6 08:49:37 1994", now), imf);
}

TEST(ParseRetryAfterTest, DateIgnoresSurroundingWhitespace) {
    EXPECT_EQ(parse_retry_after_ms("  Sun, 06 Nov 1994 08:49:37 GMT \r\n", kExampleDateMs - 2000),
              2000);
}

TEST(ParseRetryAfterTest, RecentDate) {
    // date -u -d '2026-01-17 10:15:30 UTC' +%s  -> 1768644930
    const std::int64_t now = 1768644930LL * 1000;
    EXPECT_EQ(parse_retry_after_ms("Sat, 17 Jan 2026 10:17:30 GMT", now), 120000);
}

TEST(ParseRetryAfterTest, PastDatesGiveZero) {
    EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", kExampleDateMs + 1), 0);
    EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 1768644930LL * 1000), 0);
    EXPECT_EQ(parse_retry_after_ms("Sunday, 06-Nov-94 08:49:37 GMT", 1768644930LL * 1000), 0);
    EXPECT_EQ(parse_retry_after_ms("Sun Nov  6 08:49:37 1994", 1768644930LL * 1000), 0);
}

TEST(ParseRetryAfterTest, GarbageGivesNullopt) {
    for (const char *value : {"",
                              "   ",
                              "soon",
                              "-1",
                              "+5",
                              "1.5",
                              "120s",
                              "12 0",
                              "0x10",
                              "Sun, 06 Nov 1994",
                              "Sun, 06 Foo 1994 08:49:37 GMT",
                              "Sun, 06 Nov 1994 08:49:37 PST",
                              "Sun, 06 Nov 1994 08:49:37",
                              "Sun, 06 Nov 1994 08:49:37 GMT trailing",
                              "Sun, 06 Nov 1994 24:49:37 GMT",
                              "Sun, 06 Nov 1994 08:61:37 GMT",
                              "Sun, 00 Nov 1994 08:49:37 GMT",
                              "Sun, 32 Nov 1994 08:49:37 GMT",
                              "Sun, 06 Nov 94 08:49:37 GMT",
                              "Sunday, 06-Nov-1994 08:49:37 GMT",
                              "Sun Nov  6 08:49:37",
                              "Sun Nov  6 8:49:37 1994",
                              "06 Nov 1994 08:49:37 GMT"}) {
        EXPECT_EQ(parse_retry_after_ms(value, kExampleDateMs), std::nullopt) << '"' << value << '"';
    }
}

}  // namespace
}  // namespace booking_events
