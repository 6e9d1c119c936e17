#include "core/endpoint_runtime.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "endpoint_test_support.hpp"

namespace booking_events {
namespace {

using endpoint_test::endpoint_settings;
using endpoint_test::kNow;

RequestFeedback answer(long status, std::optional<std::int64_t> retry_after_ms = std::nullopt,
                       bool was_probe = false) {
    return RequestFeedback{status, retry_after_ms, was_probe};
}

bool has_notice(const std::vector<EndpointNotice> &notices, EndpointNotice::Kind kind,
                const std::string &text) {
    for (const EndpointNotice &notice : notices)
        if (notice.kind == kind && notice.message.find(text) != std::string::npos) return true;
    return false;
}

TEST(EndpointRuntimeTest, AHealthyEndpointWithoutLimitAlwaysMaySend) {
    EndpointRuntime endpoint(endpoint_settings("default"), kNow);
    for (int i = 0; i < 5000; ++i) {
        ASSERT_TRUE(endpoint.permit(kNow).allowed);
        endpoint.on_request_started(kNow, false);
    }
    EXPECT_EQ(endpoint.in_flight(), 5000);
    EXPECT_FALSE(endpoint.permit(kNow).is_probe);
    EXPECT_STREQ(endpoint.state_name(kNow), "active");
    EXPECT_EQ(endpoint.state_since(kNow), kNow);
}

TEST(EndpointRuntimeTest, PausedByTheDbaWaitsForAResumeNotForATime) {
    EndpointSettings settings = endpoint_settings("refunds");
    settings.paused = true;
    EndpointRuntime endpoint(settings, kNow);
    const SendPermit permit = endpoint.permit(kNow + 1000000);
    EXPECT_FALSE(permit.allowed);
    EXPECT_EQ(permit.reason, WaitReason::Paused);
    EXPECT_EQ(permit.not_before, std::nullopt);
    EXPECT_STREQ(endpoint.state_name(kNow), "paused");
    settings.paused = false;
    endpoint.reconfigure(settings, kNow + 500);
    EXPECT_TRUE(endpoint.permit(kNow + 500).allowed);
    EXPECT_STREQ(endpoint.state_name(kNow + 500), "active");
    EXPECT_EQ(endpoint.state_since(kNow + 600), kNow + 500);
}

// booking_events.paused, or `default` without a URL: nothing is sent, but
// the endpoint is not paused (webhook_health() names those causes itself).
TEST(EndpointRuntimeTest, HeldSendsNothingButKeepsItsOwnState) {
    EndpointSettings settings = endpoint_settings("default");
    settings.held = true;
    EndpointRuntime endpoint(settings, kNow);
    EXPECT_TRUE(settings.stopped());
    const SendPermit permit = endpoint.permit(kNow + 1000000);
    EXPECT_FALSE(permit.allowed);
    EXPECT_EQ(permit.reason, WaitReason::Held);
    EXPECT_EQ(permit.not_before, std::nullopt);
    EXPECT_STREQ(endpoint.state_name(kNow + 10), "active");
    EXPECT_EQ(endpoint.state_since(kNow + 10), kNow);
    settings.paused = true;  // paused by the DBA as well: that is its state
    endpoint.reconfigure(settings, kNow + 20);
    EXPECT_EQ(endpoint.permit(kNow + 20).reason, WaitReason::Paused);
    EXPECT_STREQ(endpoint.state_name(kNow + 20), "paused");
    settings.paused = false;
    settings.held = false;
    endpoint.reconfigure(settings, kNow + 30);
    EXPECT_FALSE(settings.stopped());
    EXPECT_TRUE(endpoint.permit(kNow + 30).allowed);
}

TEST(EndpointRuntimeTest, RateLimitSaysWhenTheNextRequestMayGo) {
    EndpointSettings settings = endpoint_settings("slow");
    settings.max_per_second = 2;
    EndpointRuntime endpoint(settings, kNow);
    endpoint.on_request_started(kNow, false);
    endpoint.on_request_started(kNow + 10, false);
    endpoint.on_response(kNow + 12, answer(200));
    endpoint.on_response(kNow + 15, answer(200));
    const SendPermit permit = endpoint.permit(kNow + 20);
    EXPECT_FALSE(permit.allowed);
    EXPECT_EQ(permit.reason, WaitReason::RateLimit);
    // Each request occupies the window until a second after its answer.
    EXPECT_EQ(permit.not_before, kNow + 1013);
    EXPECT_TRUE(endpoint.permit(kNow + 1013).allowed);
    EXPECT_STREQ(endpoint.state_name(kNow + 20), "active");
}

TEST(EndpointRuntimeTest, TheLimitInFlightWaitsForAnAnswerNotForATime) {
    EndpointSettings settings = endpoint_settings("slow-receiver");
    settings.max_per_second = 1;
    EndpointRuntime endpoint(settings, kNow);
    endpoint.on_request_started(kNow, false);
    // The receiver may see it at any moment until its answer.
    SendPermit permit = endpoint.permit(kNow + 5000);
    EXPECT_FALSE(permit.allowed);
    EXPECT_EQ(permit.reason, WaitReason::RateLimit);
    EXPECT_EQ(permit.not_before, std::nullopt);
    endpoint.on_response(kNow + 5000, answer(200));
    EXPECT_EQ(endpoint.in_flight(), 0);
    EXPECT_EQ(endpoint.permit(kNow + 5000).not_before, kNow + 6001);
    // A request whose answer went nowhere ends all the same.
    endpoint.on_request_started(kNow + 6001, false);
    endpoint.on_request_ended(kNow + 6100);
    EXPECT_EQ(endpoint.permit(kNow + 6100).not_before, kNow + 7101);
}

TEST(EndpointRuntimeTest, RetryAfterPausesTheWholeEndpointAndShowsAsPaused) {
    EndpointRuntime endpoint(endpoint_settings("make"), kNow);
    endpoint.on_request_started(kNow, false);
    const std::vector<EndpointNotice> notices =
        endpoint.on_response(kNow + 100, answer(503, 60000));
    EXPECT_TRUE(has_notice(notices, EndpointNotice::Kind::RetryAfterPause,
                           "endpoint \"make\": HTTP 503 with Retry-After: nothing is sent for "
                           "60000 ms"));
    const SendPermit permit = endpoint.permit(kNow + 200);
    EXPECT_FALSE(permit.allowed);
    EXPECT_EQ(permit.reason, WaitReason::RetryAfter);
    EXPECT_EQ(permit.not_before, kNow + 60100);
    EXPECT_STREQ(endpoint.state_name(kNow + 200), "paused");
    EXPECT_EQ(endpoint.state_since(kNow + 200), kNow + 100);
    EXPECT_TRUE(endpoint.permit(kNow + 60100).allowed);
    EXPECT_STREQ(endpoint.state_name(kNow + 60100), "active");
    EXPECT_EQ(endpoint.state_since(kNow + 70000), kNow + 60100);
}

TEST(EndpointRuntimeTest, TooManyRequestsCutsTheRateItHadJustSent) {
    EndpointRuntime endpoint(endpoint_settings("make"), kNow);
    for (int i = 0; i < 40; ++i) endpoint.on_request_started(kNow + i, false);
    const std::vector<EndpointNotice> notices = endpoint.on_response(kNow + 100, answer(429));
    EXPECT_TRUE(
        has_notice(notices, EndpointNotice::Kind::RateReduced, "rate cut to 20 requests/s"));
    EXPECT_DOUBLE_EQ(endpoint.effective_per_second().value(), 20);
    // The 39 requests still in flight fill a 20/s window: only answers
    // make room.
    const SendPermit permit = endpoint.permit(kNow + 100);
    EXPECT_EQ(permit.reason, WaitReason::RateLimit);
    EXPECT_EQ(permit.not_before, std::nullopt);
}

TEST(EndpointRuntimeTest, BreakerOpensProbesOnceAndClosesWithNoticesForEachStep) {
    EndpointRuntime endpoint(endpoint_settings("crm"), kNow);
    std::vector<EndpointNotice> notices;
    for (int i = 0; i < 3; ++i) {
        endpoint.on_request_started(kNow, false);
        notices = endpoint.on_response(kNow + 10, answer(0));
    }
    EXPECT_TRUE(has_notice(notices, EndpointNotice::Kind::BreakerTransition,
                           "endpoint \"crm\": circuit open after 3 consecutive failed attempts"));
    EXPECT_STREQ(endpoint.state_name(kNow + 10), "open");
    EXPECT_EQ(endpoint.state_since(kNow + 20), kNow + 10);
    SendPermit permit = endpoint.permit(kNow + 20);
    EXPECT_EQ(permit.reason, WaitReason::CircuitOpen);
    EXPECT_EQ(permit.not_before, kNow + 30010);

    permit = endpoint.permit(kNow + 30010);
    ASSERT_TRUE(permit.allowed);
    ASSERT_TRUE(permit.is_probe);
    notices = endpoint.on_request_started(kNow + 30010, true);
    EXPECT_TRUE(has_notice(notices, EndpointNotice::Kind::BreakerTransition, "half-open"));
    EXPECT_STREQ(endpoint.state_name(kNow + 30010), "half_open");
    EXPECT_EQ(endpoint.permit(kNow + 30011).reason, WaitReason::ProbeInFlight);

    notices = endpoint.on_response(kNow + 30050, answer(200, std::nullopt, true));
    EXPECT_TRUE(has_notice(notices, EndpointNotice::Kind::BreakerTransition, "circuit closed"));
    EXPECT_STREQ(endpoint.state_name(kNow + 30050), "active");
    EXPECT_TRUE(endpoint.permit(kNow + 30050).allowed);
    EXPECT_EQ(endpoint.in_flight(), 0);
}

// The worker logs opening and closing at LOG and the probe cycles of a
// receiver that stays down lower (issue #15): the notice says which is which.
TEST(EndpointRuntimeTest, ProbeCyclesOfADeadReceiverAreRoutineOpeningAndClosingAreNot) {
    EndpointRuntime endpoint(endpoint_settings("crm"), kNow);
    std::vector<EndpointNotice> opened;
    for (int i = 0; i < 3; ++i) {
        endpoint.on_request_started(kNow, false);
        opened = endpoint.on_response(kNow, answer(0));
    }
    ASSERT_EQ(opened.size(), 1u);
    EXPECT_FALSE(opened.front().routine);
    const std::vector<EndpointNotice> probing = endpoint.on_request_started(kNow + 30000, true);
    ASSERT_EQ(probing.size(), 1u);
    EXPECT_TRUE(probing.front().routine);
    const std::vector<EndpointNotice> reopened =
        endpoint.on_response(kNow + 30010, answer(0, std::nullopt, true));
    ASSERT_EQ(reopened.size(), 1u);
    EXPECT_TRUE(reopened.front().routine);
    endpoint.on_request_started(kNow + 60010, true);
    const std::vector<EndpointNotice> closed =
        endpoint.on_response(kNow + 60020, answer(200, std::nullopt, true));
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_FALSE(closed.front().routine);
}

TEST(EndpointRuntimeTest, TheProbeWaitsForRetryAfterToo) {
    EndpointRuntime endpoint(endpoint_settings("crm"), kNow);
    for (int i = 0; i < 3; ++i) {
        endpoint.on_request_started(kNow, false);
        endpoint.on_response(kNow, answer(503, 120000));
    }
    ASSERT_STREQ(endpoint.state_name(kNow), "open");
    const SendPermit permit = endpoint.permit(kNow + 30000);
    EXPECT_FALSE(permit.allowed);
    EXPECT_EQ(permit.reason, WaitReason::RetryAfter);
    EXPECT_EQ(permit.not_before, kNow + 120000);
    EXPECT_TRUE(endpoint.permit(kNow + 120000).is_probe);
}

TEST(EndpointRuntimeTest, ReconfigureRaisesTheLimitWithoutForgettingRecentSends) {
    EndpointSettings settings = endpoint_settings("x");
    settings.max_per_second = 1;
    EndpointRuntime endpoint(settings, kNow);
    endpoint.on_request_started(kNow, false);
    EXPECT_FALSE(endpoint.permit(kNow + 1).allowed);
    settings.max_per_second = 5000;
    endpoint.reconfigure(settings, kNow + 1);
    for (int i = 1; i < 5000; ++i) {
        ASSERT_TRUE(endpoint.permit(kNow + 1).allowed) << i;
        endpoint.on_request_started(kNow + 1, false);
    }
    EXPECT_EQ(endpoint.permit(kNow + 1).reason, WaitReason::RateLimit);
    EXPECT_EQ(endpoint.in_flight(), 5000);
}

TEST(EndpointRuntimeTest, WaitReasonNames) {
    EXPECT_STREQ(wait_reason_name(WaitReason::RateLimit), "rate limit");
    EXPECT_STREQ(wait_reason_name(WaitReason::RetryAfter), "Retry-After");
    EXPECT_STREQ(wait_reason_name(WaitReason::CircuitOpen), "circuit open");
    EXPECT_STREQ(wait_reason_name(WaitReason::ProbeInFlight), "probe in flight");
    EXPECT_STREQ(wait_reason_name(WaitReason::Paused), "paused");
    EXPECT_STREQ(wait_reason_name(WaitReason::Held), "held");
}

}  // namespace
}  // namespace booking_events
