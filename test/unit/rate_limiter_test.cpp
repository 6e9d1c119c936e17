#include "core/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "endpoint_test_support.hpp"

namespace booking_events {
namespace {

using endpoint_test::busiest_window;

constexpr std::int64_t kStart = 1768644930000;  // any clock origin works

// A request the receiver answers at once (the window's plain case).
void send_answered_at_once(RateLimiter &limiter, std::int64_t now) {
    limiter.record_send(now);
    limiter.record_answer(now);
}

// A caller that sends whenever the limiter allows, at the times given
// (several attempts at the same millisecond included), answered at once.
std::vector<std::int64_t> greedy_sends(RateLimiter &limiter, const SendWindow &window,
                                       const std::vector<std::int64_t> &attempt_times) {
    std::vector<std::int64_t> sends;
    for (std::int64_t now : attempt_times) {
        if (!limiter.may_send(window, now)) continue;
        send_answered_at_once(limiter, now);
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
        send_answered_at_once(limiter, kStart + i);
    }
    EXPECT_FALSE(limiter.may_send(three_per_second, kStart + 5));
    // An answer at a occupies the window up to a + 1000 inclusive (the
    // clock truncates: the answer came before a + 1).
    EXPECT_EQ(limiter.next_send_at(three_per_second, kStart + 5), kStart + 1001);
    EXPECT_FALSE(limiter.may_send(three_per_second, kStart + 1000));
    EXPECT_TRUE(limiter.may_send(three_per_second, kStart + 1001));
    send_answered_at_once(limiter, kStart + 1001);
    EXPECT_EQ(limiter.next_send_at(three_per_second, kStart + 1001), kStart + 1002);
}

TEST(RateLimiterTest, HalfPerSecondMeansOneEveryTwoSeconds) {
    RateLimiter limiter(1);
    const SendWindow half = send_window_for(0.5);
    send_answered_at_once(limiter, kStart);
    EXPECT_EQ(limiter.next_send_at(half, kStart + 10), kStart + 2001);
    EXPECT_FALSE(limiter.may_send(half, kStart + 2000));
    EXPECT_TRUE(limiter.may_send(half, kStart + 2001));
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
        now = *limiter.next_send_at(window, now);
        ASSERT_TRUE(limiter.may_send(window, now));
        send_answered_at_once(limiter, now);
        sends.push_back(now);
    }
    EXPECT_LE(busiest_window(sends, 1000), 5);
    // 200 sends at 5 per 1001 ms take 39 such periods after the first.
    EXPECT_EQ(sends.back() - sends.front(), 39 * 1001);
}

TEST(RateLimiterTest, ShrinkingTheWindowMidStreamHoldsTheNewLimitAtOnce) {
    // AIMD halves an endpoint's rate while sends of the old rate are still in
    // the window: the next send must respect the new limit against them too.
    RateLimiter limiter(10);
    for (int i = 0; i < 10; ++i) send_answered_at_once(limiter, kStart + i * 10);
    const SendWindow slower{2, 1000};
    // The second newest send (at 80) leaves the window first.
    EXPECT_EQ(limiter.next_send_at(slower, kStart + 100), kStart + 80 + 1001);
    const SendWindow much_slower = send_window_for(0.25);
    EXPECT_EQ(limiter.next_send_at(much_slower, kStart + 100), kStart + 90 + 4001);
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
            send_answered_at_once(limiter, now);
            sends.push_back(now);
        }
    }
    EXPECT_LE(busiest_window(sends, 1000), configured.max_sends);
    EXPECT_GT(sends.size(), 100u);
}

TEST(RateLimiterTest, ClockGoingBackIsTreatedAsTheLastSend) {
    RateLimiter limiter(1);
    const SendWindow one{1, 1000};
    send_answered_at_once(limiter, kStart + 5000);
    EXPECT_EQ(limiter.next_send_at(one, kStart), kStart + 6001);
    EXPECT_FALSE(limiter.may_send(one, kStart + 6000));
    limiter.record_send(kStart);  // recorded as kStart + 5000, not in the past
    limiter.record_answer(kStart);
    EXPECT_EQ(limiter.next_send_at(one, kStart), kStart + 6001);
}

TEST(RateLimiterTest, WindowLargerThanHistoryIsEnforcedAsTheHistory) {
    RateLimiter limiter(2);
    const SendWindow too_many{50, 1000};
    send_answered_at_once(limiter, kStart);
    send_answered_at_once(limiter, kStart);
    EXPECT_FALSE(limiter.may_send(too_many, kStart + 1));
    EXPECT_EQ(limiter.next_send_at(too_many, kStart + 1), kStart + 1001);
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

// ---------------------------------------------------------------------------
// the receiver's view: requests answered after a delay

TEST(RateLimiterTest, ARequestInFlightOccupiesTheWindowUntilASecondAfterItsAnswer) {
    RateLimiter limiter(2);
    const SendWindow two_per_second{2, 1000};
    limiter.record_send(kStart);
    limiter.record_send(kStart + 1);
    EXPECT_EQ(limiter.in_flight(), 2);
    // Only an answer makes room: no time can be promised.
    EXPECT_EQ(limiter.next_send_at(two_per_second, kStart + 60000), std::nullopt);
    EXPECT_FALSE(limiter.may_send(two_per_second, kStart + 60000));
    // The receiver may have seen the first just before this answer, 5 s on.
    limiter.record_answer(kStart + 5000);
    EXPECT_EQ(limiter.in_flight(), 1);
    EXPECT_EQ(limiter.next_send_at(two_per_second, kStart + 5000), kStart + 6001);
    limiter.record_answer(kStart + 5500);
    EXPECT_EQ(limiter.next_send_at(two_per_second, kStart + 5600), kStart + 6001);
    EXPECT_TRUE(limiter.may_send(two_per_second, kStart + 6501));
}

struct Dispatch {
    std::int64_t at;
    std::int64_t answered_at;
};

// A worker with an endless backlog that starts a request whenever the
// limiter allows, each answered after `delay_of(n)` ms (n counts requests);
// the simulation runs on an integer clock for `duration_ms`.
template <typename DelayOf>
std::vector<Dispatch> drain(const SendWindow &window, std::int64_t duration_ms, DelayOf delay_of) {
    RateLimiter limiter(static_cast<std::size_t>(window.max_sends));
    std::vector<Dispatch> dispatches;
    std::multiset<std::int64_t> answers_due;
    for (std::int64_t now = kStart; now < kStart + duration_ms; ++now) {
        while (!answers_due.empty() && *answers_due.begin() <= now) {
            limiter.record_answer(now);
            answers_due.erase(answers_due.begin());
        }
        while (limiter.may_send(window, now)) {
            limiter.record_send(now);
            const std::int64_t answer = now + delay_of(dispatches.size());
            dispatches.push_back({now, answer});
            answers_due.insert(answer);
        }
    }
    return dispatches;
}

// Where the receiver sees each request: the earliest moment (dispatch), the
// latest (the answer), or anywhere between; each way is a receiver that
// exists (a queue in front of the application, a stall before reading).
enum class SeenAt { Dispatch, Answer, Alternating, Random };

std::vector<std::int64_t> seen_times(const std::vector<Dispatch> &dispatches, SeenAt seen,
                                     std::mt19937_64 &random) {
    std::vector<std::int64_t> times;
    for (std::size_t n = 0; n < dispatches.size(); ++n) {
        const Dispatch &request = dispatches[n];
        switch (seen) {
            case SeenAt::Dispatch:
                times.push_back(request.at);
                break;
            case SeenAt::Answer:
                times.push_back(request.answered_at);
                break;
            case SeenAt::Alternating:
                times.push_back(n % 2 == 0 ? request.at : request.answered_at);
                break;
            case SeenAt::Random:
                times.push_back(std::uniform_int_distribution<std::int64_t>(
                    request.at, request.answered_at)(random));
                break;
        }
    }
    return times;
}

TEST(RateLimiterTest, LongAndMixedDelaysNeverPushTheReceiverOverTheLimit) {
    std::mt19937_64 random(11);
    const std::vector<std::int64_t> alternating = {0, 700};
    const std::vector<std::int64_t> blocks_of_twenty(40, 0);
    std::vector<std::int64_t> slow_then_fast = blocks_of_twenty;
    std::fill(slow_then_fast.begin(), slow_then_fast.begin() + 20, 700);
    for (const SendWindow &window :
         {SendWindow{20, 1000}, SendWindow{3, 1000}, send_window_for(0.5)}) {
        const std::vector<std::function<std::int64_t(std::size_t)>> delays = {
            [&](std::size_t n) { return alternating[n % alternating.size()]; },
            [&](std::size_t n) { return slow_then_fast[n % slow_then_fast.size()]; },
            [&](std::size_t n) { return n % 7 == 0 ? 3000 : static_cast<std::int64_t>(n % 5); },
            [&](std::size_t) {
                return std::uniform_int_distribution<std::int64_t>(0, 2500)(random);
            },
        };
        for (const auto &delay_of : delays) {
            const std::vector<Dispatch> dispatches = drain(window, 30000, delay_of);
            ASSERT_GE(dispatches.size(), 5u);
            for (SeenAt seen :
                 {SeenAt::Dispatch, SeenAt::Answer, SeenAt::Alternating, SeenAt::Random})
                EXPECT_LE(busiest_window(seen_times(dispatches, seen, random), window.window_ms),
                          window.max_sends)
                    << window.max_sends << " per " << window.window_ms << " ms, seen "
                    << static_cast<int>(seen);
        }
    }
}

TEST(RateLimiterTest, ASlowReceiverGetsTheLimitPerSecondPlusItsAnswerTime) {
    // The price of the promise: answered in 500 ms, 10/s means 10 per 1.5 s.
    const std::vector<Dispatch> dispatches =
        drain(SendWindow{10, 1000}, 30000, [](std::size_t) { return std::int64_t{500}; });
    EXPECT_GE(dispatches.size(), 190u);  // 20 rounds of 1501 ms in 30 s
    EXPECT_LE(dispatches.size(), 200u);
    // Answered at once, the full rate: 30 rounds of 1001 ms.
    const std::vector<Dispatch> quick =
        drain(SendWindow{10, 1000}, 30000, [](std::size_t) { return std::int64_t{0}; });
    EXPECT_EQ(quick.size(), 300u);
}

}  // namespace
}  // namespace booking_events
