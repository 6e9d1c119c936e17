#include "core/circuit_breaker.hpp"

#include <cstdint>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

constexpr std::int64_t kNow = 1768644930000;
constexpr int kThreshold = 3;
constexpr std::int64_t kProbeMs = 30000;

// A breaker opened at kNow by kThreshold timeouts.
CircuitBreaker opened_breaker() {
    CircuitBreaker breaker(kThreshold, kProbeMs, kNow - 100);
    for (int i = 0; i < kThreshold; ++i) breaker.on_result(kNow, 0, false);
    EXPECT_EQ(breaker.state(), BreakerState::Open);
    return breaker;
}

TEST(CircuitBreakerTest, StateNamesAreTheContractsNames) {
    EXPECT_STREQ(breaker_state_name(BreakerState::Closed), "active");
    EXPECT_STREQ(breaker_state_name(BreakerState::Open), "open");
    EXPECT_STREQ(breaker_state_name(BreakerState::HalfOpen), "half_open");
}

TEST(CircuitBreakerTest, WhatCountsAsAFailure) {
    for (long status : {0L, 408L, 425L, 429L, 500L, 503L, 599L})
        EXPECT_TRUE(is_receiver_failure(status)) << status;
    for (long status : {200L, 204L, 400L, 404L, 410L, 301L})
        EXPECT_FALSE(is_receiver_failure(status)) << status;
}

TEST(CircuitBreakerTest, ClosedAllowsEverythingAndOpensOnTheNthConsecutiveFailure) {
    CircuitBreaker breaker(kThreshold, kProbeMs, kNow);
    EXPECT_TRUE(breaker.permit(kNow).allowed);
    EXPECT_FALSE(breaker.permit(kNow).is_probe);
    EXPECT_EQ(breaker.on_result(kNow, 500, false), std::nullopt);
    EXPECT_EQ(breaker.on_result(kNow, 0, false), std::nullopt);
    EXPECT_EQ(breaker.consecutive_failures(), 2);
    const std::optional<BreakerTransition> opened = breaker.on_result(kNow + 5, 503, false);
    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(opened->from, BreakerState::Closed);
    EXPECT_EQ(opened->to, BreakerState::Open);
    EXPECT_EQ(opened->at, kNow + 5);
    EXPECT_EQ(opened->consecutive_failures, 3);
    EXPECT_EQ(breaker.state_since(), kNow + 5);
}

TEST(CircuitBreakerTest, AnAnswerInBetweenResetsTheCount) {
    CircuitBreaker breaker(kThreshold, kProbeMs, kNow);
    for (long answer : {200L, 404L, 410L}) {
        breaker.on_result(kNow, 500, false);
        breaker.on_result(kNow, 500, false);
        breaker.on_result(kNow, answer, false);
        EXPECT_EQ(breaker.consecutive_failures(), 0) << answer;
        EXPECT_EQ(breaker.state(), BreakerState::Closed) << answer;
    }
}

TEST(CircuitBreakerTest, OpenSendsNothingUntilTheProbeTime) {
    CircuitBreaker breaker = opened_breaker();
    const BreakerPermit waiting = breaker.permit(kNow + kProbeMs - 1);
    EXPECT_FALSE(waiting.allowed);
    EXPECT_EQ(waiting.not_before, kNow + kProbeMs);
    const BreakerPermit probe = breaker.permit(kNow + kProbeMs);
    EXPECT_TRUE(probe.allowed);
    EXPECT_TRUE(probe.is_probe);
}

TEST(CircuitBreakerTest, OneProbeAtATimeAndItsSuccessClosesTheBreaker) {
    CircuitBreaker breaker = opened_breaker();
    const std::int64_t probe_at = kNow + kProbeMs;
    const std::optional<BreakerTransition> half = breaker.on_request_started(probe_at, true);
    ASSERT_TRUE(half.has_value());
    EXPECT_EQ(half->to, BreakerState::HalfOpen);
    EXPECT_EQ(breaker.state(), BreakerState::HalfOpen);
    // While the probe is in flight nothing else goes, however long it takes.
    for (std::int64_t later : {probe_at, probe_at + kProbeMs, probe_at + 10 * kProbeMs}) {
        EXPECT_FALSE(breaker.permit(later).allowed);
        EXPECT_EQ(breaker.permit(later).not_before, std::nullopt);
    }
    const std::optional<BreakerTransition> closed = breaker.on_result(probe_at + 80, 200, true);
    ASSERT_TRUE(closed.has_value());
    EXPECT_EQ(closed->from, BreakerState::HalfOpen);
    EXPECT_EQ(closed->to, BreakerState::Closed);
    EXPECT_EQ(breaker.consecutive_failures(), 0);
    EXPECT_TRUE(breaker.permit(probe_at + 81).allowed);
    EXPECT_FALSE(breaker.permit(probe_at + 81).is_probe);
}

TEST(CircuitBreakerTest, AFailedProbeWaitsAnotherInterval) {
    CircuitBreaker breaker = opened_breaker();
    const std::int64_t probe_at = kNow + kProbeMs;
    breaker.on_request_started(probe_at, true);
    const std::optional<BreakerTransition> reopened = breaker.on_result(probe_at + 10000, 0, true);
    ASSERT_TRUE(reopened.has_value());
    EXPECT_EQ(reopened->from, BreakerState::HalfOpen);
    EXPECT_EQ(reopened->to, BreakerState::Open);
    EXPECT_FALSE(breaker.permit(probe_at + 10000 + kProbeMs - 1).allowed);
    EXPECT_TRUE(breaker.permit(probe_at + 10000 + kProbeMs).is_probe);
}

TEST(CircuitBreakerTest, LateResultsOfOrdinaryRequestsDoNotMoveAnOpenBreaker) {
    CircuitBreaker breaker = opened_breaker();
    EXPECT_EQ(breaker.on_result(kNow + 10, 200, false), std::nullopt);
    EXPECT_EQ(breaker.on_result(kNow + 10, 500, false), std::nullopt);
    EXPECT_EQ(breaker.state(), BreakerState::Open);
    breaker.on_request_started(kNow + kProbeMs, true);
    EXPECT_EQ(breaker.on_result(kNow + kProbeMs + 1, 200, false), std::nullopt);
    EXPECT_EQ(breaker.state(), BreakerState::HalfOpen);
    // Starting an ordinary request never half-opens it.
    CircuitBreaker other = opened_breaker();
    EXPECT_EQ(other.on_request_started(kNow + kProbeMs, false), std::nullopt);
}

TEST(CircuitBreakerTest, EveryTransitionIsReportedExactlyOnce) {
    // A receiver down for ten minutes, then back: the transitions are
    // open, (half_open, open) per failed probe, half_open, closed.
    CircuitBreaker breaker(kThreshold, kProbeMs, kNow);
    std::vector<BreakerTransition> transitions;
    const auto keep = [&](std::optional<BreakerTransition> transition) {
        if (transition) transitions.push_back(*transition);
    };
    const std::int64_t back_at = kNow + 600000;
    int probes = 0;
    for (std::int64_t now = kNow; now < back_at + 120000; now += 250) {
        const BreakerPermit permit = breaker.permit(now);
        if (!permit.allowed) continue;
        probes += permit.is_probe;
        keep(breaker.on_request_started(now, permit.is_probe));
        keep(breaker.on_result(now + 100, now + 100 >= back_at ? 200 : 0, permit.is_probe));
    }
    ASSERT_GE(transitions.size(), 4u);
    EXPECT_EQ(transitions.front().to, BreakerState::Open);
    EXPECT_EQ(transitions.back().to, BreakerState::Closed);
    // Opening and closing stand out; only the probes in between are routine.
    EXPECT_FALSE(transitions.front().is_probe_cycle());
    EXPECT_FALSE(transitions.back().is_probe_cycle());
    for (std::size_t i = 1; i + 2 < transitions.size(); ++i)
        EXPECT_TRUE(transitions[i].is_probe_cycle()) << i;
    // The last probe half-opens it, then closes it.
    EXPECT_TRUE(transitions[transitions.size() - 2].is_probe_cycle());
    for (std::size_t i = 1; i < transitions.size(); ++i)
        EXPECT_EQ(transitions[i].from, transitions[i - 1].to) << i;
    // One probe per interval while the receiver was down, and no more.
    EXPECT_GE(probes, 600000 / kProbeMs - 1);
    EXPECT_LE(probes, 600000 / kProbeMs + 1);
    EXPECT_EQ(breaker.state(), BreakerState::Closed);
}

TEST(CircuitBreakerTest, ReconfigureKeepsTheStateAndAppliesTheNewThreshold) {
    CircuitBreaker breaker(20, kProbeMs, kNow);
    for (int i = 0; i < 5; ++i) breaker.on_result(kNow, 500, false);
    breaker.configure(6, 1000);
    EXPECT_EQ(breaker.state(), BreakerState::Closed);
    ASSERT_TRUE(breaker.on_result(kNow + 1, 500, false).has_value());
    EXPECT_TRUE(breaker.permit(kNow + 1001).is_probe);
    // Nonsense settings are raised to the smallest sensible values.
    CircuitBreaker strict(0, 0, kNow);
    EXPECT_TRUE(strict.on_result(kNow, 0, false).has_value());
    EXPECT_TRUE(strict.permit(kNow + 1).allowed);
}

TEST(CircuitBreakerTest, DescribeNamesTheEndpointNeverMore) {
    CircuitBreaker breaker(kThreshold, kProbeMs, kNow);
    breaker.on_result(kNow, 0, false);
    breaker.on_result(kNow, 0, false);
    const BreakerTransition opened = breaker.on_result(kNow, 0, false).value();
    EXPECT_EQ(opened.describe("refunds", kProbeMs),
              "endpoint \"refunds\": circuit open after 3 consecutive failed attempts; "
              "nothing is sent but one probe every 30000 ms");
    breaker.on_request_started(kNow + kProbeMs, true);
    const BreakerTransition closed = breaker.on_result(kNow + kProbeMs, 200, true).value();
    EXPECT_EQ(closed.describe("refunds", kProbeMs),
              "endpoint \"refunds\": probe succeeded, circuit closed: delivery resumes");
}

}  // namespace
}  // namespace booking_events
