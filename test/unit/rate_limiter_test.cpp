#include "core/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

constexpr std::int64_t kStart = 1768644930000;  // any clock origin works

// The most sends in any half-open window [a, a + window_ms), by brute force.
// Only windows starting at a send matter: sliding a window right until its
// start meets a send never loses one.
int busiest_window(const std::vector<std::int64_t> &sends, std::int64_t window_ms) {
    int busiest = 0;
    for (std::size_t i = 0; i < sends.size(); ++i) {
        int count = 0;
        for (std::size_t j = 0; j < sends.size(); ++j)
            if (sends[j] >= sends[i] && sends[j] < sends[i] + window_ms) ++count;
        busiest = std::max(busiest, count);
    }
    return busiest;
}

// A caller that sends whenever the limiter allows, at the times given
// (several attempts at the same millisecond included).
std::vector<std::int64_t> greedy_sends(RateLimiter &limiter, const SendWindow &window,
                                       const std::vector<std::int64_t> &attempt_times) {
    std::vector<std::int64_t> sends;
    for (std::int64_t now : attempt_times) {
        if (!limiter.may_send(window, now)) continue;
        limiter.record_send(now);
        sends.push_back(now);
    }
    return sends;
}

// ---------------------------------------------------------------------------
// validation and windows

TEST(MaxPerSecondTest, RefusesWhatIsNotARate) {
    for (double bad :
         {0.0, -1.0, -0.5, std::nan(""), std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity(), kMinPerSecond / 2, kMaxPerSecond * 1.5})
        EXPECT_TRUE(max_per_second_problem(bad).has_value()) << bad;
    for (double good : {kMinPerSecond, 0.1, 0.5, 1.0, 2.5, 10.0, 1000.0, kMaxPerSecond})
        EXPECT_EQ(max_per_second_problem(good), std::nullopt) << good;
    EXPECT_NE(max_per_second_problem(-3)->find("positive"), std::string::npos);
}

TEST(SendWindowTest, WholeAndFractionalRates) {
    EXPECT_EQ(send_window_for(1), (SendWindow{1, 1000}));
    EXPECT_EQ(send_window_for(10), (SendWindow{10, 1000}));
    EXPECT_EQ(send_window_for(2.5), (SendWindow{2, 1000}));
    EXPECT_EQ(send_window_for(0.5), (SendWindow{1, 2000}));
    EXPECT_EQ(send_window_for(0.3), (SendWindow{1, 3334}));
    // A SQL real: 0.1f is slightly above 0.1, and must not give 9999 ms.
    EXPECT_EQ(send_window_for(static_cast<double>(0.1f)), (SendWindow{1, 10000}));
    EXPECT_EQ(send_window_for(static_cast<double>(1.0f / 3)), (SendWindow{1, 3000}));
}

TEST(SendWindowTest, EveryRateKeepsItsPromiseInOneSecond) {
    // The promise of the contract: at most max_per_second in any one second,
    // and at most one per 1/rate seconds below 1/s.
    for (double rate = 0.05; rate < 50; rate *= 1.07) {
        const SendWindow window = send_window_for(rate);
        EXPECT_LE(window.max_sends * 1000.0 / static_cast<double>(window.window_ms), rate + 1e-9)
            << rate;
        EXPECT_LE(window.max_sends, std::max(1.0, std::floor(rate))) << rate;
    }
}

TEST(SendWindowTest, GuardWidensTheWindow) {
    EXPECT_EQ(send_window_for(10, 100), (SendWindow{10, 1100}));
    EXPECT_EQ(send_window_for(0.5, 100), (SendWindow{1, 2100}));
    EXPECT_EQ(send_window_for(10, -100), (SendWindow{10, 1000}));
}

TEST(SendWindowTest, OutOfRangeIsClampedNotTrusted) {
    EXPECT_EQ(send_window_for(-5), send_window_for(kMinPerSecond));
    EXPECT_EQ(send_window_for(std::nan("")), send_window_for(kMinPerSecond));
    EXPECT_EQ(send_window_for(1e12), send_window_for(kMaxPerSecond));
}

// ---------------------------------------------------------------------------
// the limiter

TEST(RateLimiterTest, FirstSendsAreImmediateThenTheWindowWaits) {
    RateLimiter limiter(3);
    const SendWindow three_per_second{3, 1000};
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(limiter.next_send_at(three_per_second, kStart + i), kStart + i);
        limiter.record_send(kStart + i);
    }
    EXPECT_FALSE(limiter.may_send(three_per_second, kStart + 5));
    EXPECT_EQ(limiter.next_send_at(three_per_second, kStart + 5), kStart + 1000);
    EXPECT_FALSE(limiter.may_send(three_per_second, kStart + 999));
    EXPECT_TRUE(limiter.may_send(three_per_second, kStart + 1000));
    limiter.record_send(kStart + 1000);
    EXPECT_EQ(limiter.next_send_at(three_per_second, kStart + 1000), kStart + 1001);
}

TEST(RateLimiterTest, HalfPerSecondMeansOneEveryTwoSeconds) {
    RateLimiter limiter(1);
    const SendWindow half = send_window_for(0.5);
    limiter.record_send(kStart);
    EXPECT_EQ(limiter.next_send_at(half, kStart + 10), kStart + 2000);
    EXPECT_FALSE(limiter.may_send(half, kStart + 1999));
    EXPECT_TRUE(limiter.may_send(half, kStart + 2000));
}

TEST(RateLimiterTest, SustainedDemandGetsTheFullRate) {
    // Not a limiter that only ever says no: a backlog drains at the rate.
    for (double rate : {0.5, 1.0, 7.0, 100.0}) {
        const SendWindow window = send_window_for(rate);
        RateLimiter limiter(static_cast<std::size_t>(window.max_sends));
        std::vector<std::int64_t> attempts;
        for (std::int64_t t = 0; t < 20000; ++t)
            for (int k = 0; k < 3; ++k) attempts.push_back(kStart + t);
        const std::vector<std::int64_t> sends = greedy_sends(limiter, window, attempts);
        EXPECT_EQ(static_cast<double>(sends.size()), 20 * rate) << rate;
        EXPECT_LE(busiest_window(sends, 1000), std::max(1, window.max_sends)) << rate;
    }
}

TEST(RateLimiterTest, AdversarialSequencesNeverExceedTheWindow) {
    std::mt19937_64 random(20260117);
    for (int round = 0; round < 60; ++round) {
        const double rate = std::uniform_real_distribution<double>(0.2, 40.0)(random);
        const SendWindow window = send_window_for(rate);
        RateLimiter limiter(static_cast<std::size_t>(window.max_sends));
        // Bursts at one millisecond, gaps just under, at and over the window.
        const std::vector<std::int64_t> gaps = {
            0, 0, 0, 1, window.window_ms - 1, window.window_ms, window.window_ms + 1, 7, 333, 500};
        std::vector<std::int64_t> attempts;
        std::int64_t now = kStart;
        for (int i = 0; i < 400; ++i) {
            now += gaps[random() % gaps.size()];
            attempts.push_back(now);
        }
        const std::vector<std::int64_t> sends = greedy_sends(limiter, window, attempts);
        ASSERT_FALSE(sends.empty());
        EXPECT_LE(busiest_window(sends, window.window_ms), window.max_sends) << rate;
        EXPECT_LE(static_cast<double>(busiest_window(sends, 1000)), std::max(1.0, rate)) << rate;
    }
}

TEST(RateLimiterTest, WaitingExactlyUntilNextSendAtIsAlwaysAllowed) {
    RateLimiter limiter(5);
    const SendWindow window{5, 1000};
    std::vector<std::int64_t> sends;
    std::int64_t now = kStart;
    for (int i = 0; i < 200; ++i) {
        now = limiter.next_send_at(window, now);
        ASSERT_TRUE(limiter.may_send(window, now));
        limiter.record_send(now);
        sends.push_back(now);
    }
    EXPECT_LE(busiest_window(sends, 1000), 5);
    // 200 sends at 5 per second take 39 seconds after the first.
    EXPECT_EQ(sends.back() - sends.front(), 39000);
}

TEST(RateLimiterTest, ShrinkingTheWindowMidStreamHoldsTheNewLimitAtOnce) {
    // AIMD halves an endpoint's rate while sends of the old rate are still in
    // the window: the next send must respect the new limit against them too.
    RateLimiter limiter(10);
    for (int i = 0; i < 10; ++i) limiter.record_send(kStart + i * 10);
    const SendWindow slower{2, 1000};
    // The second newest send (at 80) leaves the window first.
    EXPECT_EQ(limiter.next_send_at(slower, kStart + 100), kStart + 80 + 1000);
    const SendWindow much_slower = send_window_for(0.25);
    EXPECT_EQ(limiter.next_send_at(much_slower, kStart + 100), kStart + 90 + 4000);
}

TEST(RateLimiterTest, ChangingWindowsStillRespectTheStrictestOverTime) {
    std::mt19937_64 random(42);
    RateLimiter limiter(20);
    const SendWindow configured{20, 1000};
    std::vector<std::int64_t> sends;
    std::int64_t now = kStart;
    for (int i = 0; i < 3000; ++i) {
        now += static_cast<std::int64_t>(random() % 40);
        // Any effective rate up to the configured one, changing at random.
        const SendWindow effective = send_window_for(1 + static_cast<double>(random() % 20));
        if (limiter.may_send(effective, now)) {
            limiter.record_send(now);
            sends.push_back(now);
        }
    }
    EXPECT_LE(busiest_window(sends, 1000), configured.max_sends);
    EXPECT_GT(sends.size(), 100u);
}

TEST(RateLimiterTest, ClockGoingBackIsTreatedAsTheLastSend) {
    RateLimiter limiter(1);
    const SendWindow one{1, 1000};
    limiter.record_send(kStart + 5000);
    EXPECT_EQ(limiter.next_send_at(one, kStart), kStart + 6000);
    EXPECT_FALSE(limiter.may_send(one, kStart + 5999));
    limiter.record_send(kStart);  // recorded as kStart + 5000, not in the past
    EXPECT_EQ(limiter.next_send_at(one, kStart), kStart + 6000);
}

TEST(RateLimiterTest, WindowLargerThanHistoryIsEnforcedAsTheHistory) {
    RateLimiter limiter(2);
    const SendWindow too_many{50, 1000};
    limiter.record_send(kStart);
    limiter.record_send(kStart);
    EXPECT_FALSE(limiter.may_send(too_many, kStart + 1));
    EXPECT_EQ(limiter.next_send_at(too_many, kStart + 1), kStart + 1000);
}

TEST(RateLimiterTest, SendsWithinCountsTheRecentWindow) {
    RateLimiter limiter(100);
    EXPECT_EQ(limiter.sends_within(1000, kStart), 0);
    for (int i = 0; i < 30; ++i) limiter.record_send(kStart + i * 100);
    EXPECT_EQ(limiter.sends_within(1000, kStart + 2900), 10);  // (1900, 2900]
    EXPECT_EQ(limiter.sends_within(1000, kStart + 3899), 1);
    EXPECT_EQ(limiter.sends_within(1000, kStart + 3900), 0);
    EXPECT_EQ(limiter.history(), 100u);
}

}  // namespace
}  // namespace booking_events
