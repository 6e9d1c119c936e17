#include "core/endpoint_backpressure.hpp"

#include <cstdint>
#include <optional>

#include <gtest/gtest.h>

#include "core/rate_limiter.hpp"

namespace booking_events {
namespace {

constexpr std::int64_t kNow = 1768644930000;
constexpr std::optional<std::int64_t> kNoRetryAfter = std::nullopt;
constexpr std::optional<double> kNoLimit = std::nullopt;

// ---------------------------------------------------------------------------
// Retry-After pauses

TEST(BackpressurePauseTest, RetryAfterOn429PausesTheEndpointUntilThen) {
    EndpointBackpressure backpressure;
    EXPECT_FALSE(backpressure.is_paused(kNow));
    const BackpressureChange change = backpressure.on_response(kNow, 429, 30000, 5, kNoLimit);
    EXPECT_TRUE(change.paused);
    EXPECT_EQ(backpressure.paused_until(), kNow + 30000);
    EXPECT_TRUE(backpressure.is_paused(kNow + 29999));
    EXPECT_FALSE(backpressure.is_paused(kNow + 30000));
}

TEST(BackpressurePauseTest, RetryAfterOn503PausesWithoutCuttingTheRate) {
    EndpointBackpressure backpressure;
    const BackpressureChange change = backpressure.on_response(kNow, 503, 5000, 5, kNoLimit);
    EXPECT_TRUE(change.paused);
    EXPECT_FALSE(change.rate_reduced);
    EXPECT_TRUE(backpressure.is_paused(kNow + 4999));
    EXPECT_EQ(backpressure.throttle_per_second(), std::nullopt);
}

TEST(BackpressurePauseTest, OnlyTooManyRequestsAndUnavailableCarryAPause) {
    for (long status : {200L, 500L, 502L, 504L, 408L, 400L, 410L, 0L}) {
        EndpointBackpressure backpressure;
        EXPECT_FALSE(backpressure.on_response(kNow, status, 60000, 5, kNoLimit).paused) << status;
        EXPECT_FALSE(backpressure.is_paused(kNow + 1)) << status;
    }
    EndpointBackpressure backpressure;
    EXPECT_FALSE(backpressure.on_response(kNow, 503, kNoRetryAfter, 5, kNoLimit).any());
}

TEST(BackpressurePauseTest, APauseIsExtendedButNeverShortened) {
    EndpointBackpressure backpressure;
    backpressure.on_response(kNow, 503, 60000, 5, kNoLimit);
    EXPECT_FALSE(backpressure.on_response(kNow + 10, 503, 1000, 5, kNoLimit).paused);
    EXPECT_EQ(backpressure.paused_until(), kNow + 60000);
    EXPECT_TRUE(backpressure.on_response(kNow + 20, 503, 90000, 5, kNoLimit).paused);
    EXPECT_EQ(backpressure.paused_until(), kNow + 90020);
}

TEST(BackpressurePauseTest, PauseIsCappedAndNonsenseIgnored) {
    BackpressureSettings settings;
    settings.max_pause_ms = 120000;
    EndpointBackpressure backpressure(settings);
    backpressure.on_response(kNow, 503, 7LL * 24 * 3600 * 1000, 5, kNoLimit);
    EXPECT_EQ(backpressure.paused_until(), kNow + 120000);

    EndpointBackpressure other(settings);
    EXPECT_FALSE(other.on_response(kNow, 503, -5000, 5, kNoLimit).paused);
    EXPECT_FALSE(other.on_response(kNow, 503, 0, 5, kNoLimit).paused);
    EXPECT_FALSE(other.is_paused(kNow));
}

// ---------------------------------------------------------------------------
// AIMD

TEST(BackpressureRateTest, FirstTooManyRequestsHalvesTheRateTheReceiverSaw) {
    EndpointBackpressure backpressure;
    const BackpressureChange change =
        backpressure.on_response(kNow, 429, kNoRetryAfter, 40, kNoLimit);
    EXPECT_TRUE(change.rate_reduced);
    EXPECT_FALSE(change.paused);
    EXPECT_DOUBLE_EQ(backpressure.throttle_per_second().value(), 20);
    EXPECT_DOUBLE_EQ(backpressure.effective_per_second(kNoLimit).value(), 20);
}

TEST(BackpressureRateTest, ConfiguredLimitBoundsWhereTheCutStarts) {
    EndpointBackpressure backpressure;
    backpressure.on_response(kNow, 429, kNoRetryAfter, 40, 10.0);
    EXPECT_DOUBLE_EQ(backpressure.throttle_per_second().value(), 5);
    EXPECT_DOUBLE_EQ(backpressure.effective_per_second(10.0).value(), 5);
    EXPECT_DOUBLE_EQ(backpressure.effective_per_second(2.0).value(), 2);
}

TEST(BackpressureRateTest, ABurstOfTooManyRequestsCutsOncePerInterval) {
    EndpointBackpressure backpressure;
    int cuts = 0;
    for (int i = 0; i < 32; ++i)
        cuts += backpressure.on_response(kNow + i, 429, kNoRetryAfter, 64, kNoLimit).rate_reduced;
    EXPECT_EQ(cuts, 1);
    EXPECT_DOUBLE_EQ(backpressure.throttle_per_second().value(), 32);
    EXPECT_TRUE(
        backpressure.on_response(kNow + 1000, 429, kNoRetryAfter, 64, kNoLimit).rate_reduced);
    EXPECT_DOUBLE_EQ(backpressure.throttle_per_second().value(), 16);
}

TEST(BackpressureRateTest, AnIncreaseDoesNotShieldTheRateFromTheNextTooManyRequests) {
    // Each second the receiver takes a few, then refuses: the increase at the
    // first success must not swallow the cut the refusals ask for.
    EndpointBackpressure backpressure;
    backpressure.on_response(kNow, 429, kNoRetryAfter, 20, kNoLimit);
    ASSERT_DOUBLE_EQ(backpressure.throttle_per_second().value(), 10);
    backpressure.on_response(kNow + 1000, 200, kNoRetryAfter, 10, kNoLimit);
    ASSERT_DOUBLE_EQ(backpressure.throttle_per_second().value(), 11);
    EXPECT_TRUE(
        backpressure.on_response(kNow + 1010, 429, kNoRetryAfter, 11, kNoLimit).rate_reduced);
    EXPECT_DOUBLE_EQ(backpressure.throttle_per_second().value(), 5.5);
    // And the climb waits a full interval after that cut.
    EXPECT_FALSE(backpressure.on_response(kNow + 1500, 200, kNoRetryAfter, 5, kNoLimit).any());
    EXPECT_DOUBLE_EQ(backpressure.throttle_per_second().value(), 5.5);
}

TEST(BackpressureRateTest, RepeatedCutsStopAtTheFloor) {
    BackpressureSettings settings;
    settings.floor_per_second = 0.5;
    EndpointBackpressure backpressure(settings);
    for (int i = 0; i < 30; ++i)
        backpressure.on_response(kNow + i * 1000, 429, kNoRetryAfter, 100, kNoLimit);
    EXPECT_DOUBLE_EQ(backpressure.throttle_per_second().value(), 0.5);
    // Even the first cut of an idle endpoint does not go below the floor.
    EndpointBackpressure idle(settings);
    idle.on_response(kNow, 429, kNoRetryAfter, 0, kNoLimit);
    EXPECT_DOUBLE_EQ(idle.throttle_per_second().value(), 0.5);
}

TEST(BackpressureRateTest, SuccessCreepsBackAdditivelyThenEndsTheThrottle) {
    EndpointBackpressure backpressure;  // step: max(1/s, 5% of 20/s) = 1/s
    backpressure.on_response(kNow, 429, kNoRetryAfter, 20, kNoLimit);
    ASSERT_DOUBLE_EQ(backpressure.throttle_per_second().value(), 10);
    // Within the interval of the cut: no change yet.
    EXPECT_FALSE(backpressure.on_response(kNow + 500, 200, kNoRetryAfter, 10, kNoLimit).any());
    std::int64_t now = kNow;
    for (int step = 1; step < 10; ++step) {
        now += 1000;
        EXPECT_FALSE(backpressure.on_response(now, 200, kNoRetryAfter, 10, kNoLimit).any());
        EXPECT_DOUBLE_EQ(backpressure.throttle_per_second().value(), 10 + step);
        // More successes in the same interval change nothing.
        backpressure.on_response(now + 1, 204, kNoRetryAfter, 10, kNoLimit);
        EXPECT_DOUBLE_EQ(backpressure.throttle_per_second().value(), 10 + step);
    }
    const BackpressureChange restored =
        backpressure.on_response(now + 1000, 200, kNoRetryAfter, 10, kNoLimit);
    EXPECT_TRUE(restored.rate_restored);
    EXPECT_EQ(backpressure.throttle_per_second(), std::nullopt);
    EXPECT_EQ(backpressure.effective_per_second(kNoLimit), std::nullopt);
    EXPECT_FALSE(backpressure.on_response(now + 5000, 200, kNoRetryAfter, 10, kNoLimit).any());
}

TEST(BackpressureRateTest, OtherFailuresNeitherCutNorRaise) {
    EndpointBackpressure backpressure;
    backpressure.on_response(kNow, 429, kNoRetryAfter, 20, kNoLimit);
    for (long status : {500L, 502L, 0L, 408L, 400L})
        EXPECT_FALSE(
            backpressure.on_response(kNow + 5000, status, kNoRetryAfter, 9, kNoLimit).any());
    EXPECT_DOUBLE_EQ(backpressure.throttle_per_second().value(), 10);
}

TEST(BackpressureRateTest, ThrottledEndpointConvergesToWhatTheReceiverAccepts) {
    // A receiver that answers 429 to every request beyond 5 in a second, and
    // an endpoint with no limit of its own and a large backlog. With AIMD
    // the endpoint settles near 5/s and most requests succeed.
    EndpointBackpressure backpressure;
    RateLimiter limiter(1000);
    RateLimiter receiver_window(5);
    const SendWindow receiver_accepts{5, 1000};
    int accepted = 0, refused = 0, refused_late = 0;
    for (std::int64_t now = kNow; now < kNow + 600000; now += 10) {
        const std::optional<double> rate = backpressure.effective_per_second(kNoLimit);
        const SendWindow window = rate ? send_window_for(*rate) : SendWindow{1000, 1000};
        if (!limiter.may_send(window, now)) continue;
        // Answered at once.
        limiter.record_send(now);
        limiter.record_answer(now);
        const double recent = limiter.sends_within(1000, now);
        long status = 429;
        if (receiver_window.may_send(receiver_accepts, now)) {
            receiver_window.record_send(now);
            receiver_window.record_answer(now);
            status = 200;
            ++accepted;
        } else {
            ++refused;
            if (now > kNow + 300000) ++refused_late;
        }
        backpressure.on_response(now, status, kNoRetryAfter, recent, kNoLimit);
    }
    // 600 s at up to 5/s; AIMD saw-tooths below the line, never far.
    EXPECT_GT(accepted, 2000);
    EXPECT_LE(accepted, 3000);
    EXPECT_LT(refused_late, accepted / 10);
    EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace booking_events
