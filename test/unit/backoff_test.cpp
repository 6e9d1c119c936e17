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

constexpr BackoffPolicy kDefaults{};

// The contract's defaults (README, "Settings"), stated here on purpose: the
// rest of the code reads them from setting_defaults.hpp.
TEST(BackoffDelayTest, DefaultsAreTheContracts) {
    EXPECT_EQ(kDefaults.base_ms, 1000);
    EXPECT_EQ(kDefaults.max_ms, 3600000);
}

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

}  // namespace
}  // namespace booking_events
