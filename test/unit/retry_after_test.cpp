#include "core/retry_after.hpp"

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

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

TEST(ParseRetryAfterTest, DatesPastThe32BitEpochAndFarAhead) {
    // date -u -d '2038-01-19 03:14:08 UTC' +%s  -> 2147483648 (past 32-bit time_t)
    EXPECT_EQ(parse_retry_after_ms("Tue, 19 Jan 2038 03:14:08 GMT", 2147483648LL * 1000 - 7000),
              7000);
    // date -u -d '9999-12-31 23:59:59 UTC' +%s  -> 253402300799
    EXPECT_EQ(parse_retry_after_ms("Fri, 31 Dec 9999 23:59:59 GMT", 253402300799LL * 1000 - 1000),
              1000);
}

TEST(ParseRetryAfterTest, DoesNotDependOnTheProcessTimeZone) {
    const char *saved = std::getenv("TZ");
    const std::optional<std::string> previous =
        saved ? std::optional<std::string>(saved) : std::nullopt;
    setenv("TZ", "America/New_York", 1);
    tzset();
    const std::optional<std::int64_t> delay =
        parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", kExampleDateMs - 30000);
    if (previous)
        setenv("TZ", previous->c_str(), 1);
    else
        unsetenv("TZ");
    tzset();
    EXPECT_EQ(delay, 30000);
}

TEST(ParseRetryAfterTest, GarbageGivesNullopt) {
    for (const char *value : {"", "   ", "soon", "-1", "+5", "1.5", "120s", "12 0", "0x10",
                              "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:49:37 GMT",
                              "Sun, 06 Nov 1994 08:61:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
                              "Sun, 32 Nov 1994 08:49:37 GMT", "Sun Nov  6 08:49:37"}) {
        EXPECT_EQ(parse_retry_after_ms(value, kExampleDateMs), std::nullopt) << '"' << value << '"';
    }
}

// curl_getdate() reads dates the way browsers read cookie expiry dates: what
// a receiver meant is taken rather than second-guessed, with the zone it
// names honoured (a missing zone is GMT, as RFC 9110 requires).
TEST(ParseRetryAfterTest, LenientDatesAreReadAsMeant) {
    const std::int64_t now = kExampleDateMs - 30000;
    for (const char *value :
         {"Sun, 06 Nov 94 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT",
          "Sun Nov  6 8:49:37 1994", "06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37"}) {
        EXPECT_EQ(parse_retry_after_ms(value, now), 30000) << '"' << value << '"';
    }
    // 08:49:37 PST is 16:49:37 GMT: eight hours later.
    EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 PST", now), 30000 + 8 * 3600 * 1000);
}

}  // namespace
}  // namespace booking_events
