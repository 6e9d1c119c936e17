#include "core/endpoint_scheduler.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "endpoint_test_support.hpp"

namespace booking_events {
namespace {

using endpoint_test::due;
using endpoint_test::due_range;
using endpoint_test::endpoint_settings;
using endpoint_test::kNow;

std::size_t requests_for(const SchedulePlan &plan, std::size_t endpoint) {
    return static_cast<std::size_t>(
        std::count_if(plan.requests.begin(), plan.requests.end(),
                      [&](const PlannedRequest &request) { return request.endpoint == endpoint; }));
}

// ---------------------------------------------------------------------------
// one plan

TEST(EndpointSchedulerTest, EachEndpointIsJudgedOnItsOwn) {
    EndpointSettings paused_settings = endpoint_settings("paused");
    paused_settings.paused = true;
    EndpointRuntime paused(paused_settings, kNow);
    EndpointRuntime broken(endpoint_settings("broken"), kNow);
    for (int i = 0; i < 3; ++i) {
        broken.on_request_started(kNow, false);
        broken.on_response(kNow, RequestFeedback{0, std::nullopt, false});
    }
    EndpointRuntime healthy(endpoint_settings("healthy"), kNow);
    std::vector<EndpointWork> work = {
        {&paused, due_range(1, 5)}, {&broken, due_range(1, 5)}, {&healthy, due_range(1, 5)}};
    EndpointScheduler scheduler;
    const SchedulePlan plan = scheduler.plan(work, kNow + 10, 32);
    EXPECT_EQ(requests_for(plan, 0), 0u);
    EXPECT_EQ(requests_for(plan, 1), 0u);
    EXPECT_EQ(requests_for(plan, 2), 5u);
    // The broken endpoint's probe time is the next thing to wake for.
    EXPECT_EQ(plan.wake_at, kNow + 30000);
    for (const QueuedDelivery &delivery : work[2].queue) EXPECT_TRUE(delivery.in_flight);
    EXPECT_EQ(healthy.in_flight(), 5);
}

TEST(EndpointSchedulerTest, AnOpenBreakerSendsExactlyOneProbe) {
    EndpointRuntime broken(endpoint_settings("broken"), kNow);
    for (int i = 0; i < 3; ++i) {
        broken.on_request_started(kNow, false);
        broken.on_response(kNow, RequestFeedback{503, std::nullopt, false});
    }
    std::vector<EndpointWork> work = {{&broken, due_range(1, 10)}};
    EndpointScheduler scheduler;
    const SchedulePlan plan = scheduler.plan(work, kNow + 30000, 32);
    ASSERT_EQ(plan.requests.size(), 1u);
    EXPECT_TRUE(plan.requests[0].is_probe);
    EXPECT_EQ(plan.requests[0].delivery_ids, (std::vector<std::int64_t>{1}));
    ASSERT_EQ(plan.requests[0].notices.size(), 1u);
    EXPECT_NE(plan.requests[0].notices[0].message.find("half-open"), std::string::npos);
    EXPECT_EQ(plan.wake_at, std::nullopt);  // the probe's result decides
}

TEST(EndpointSchedulerTest, BatchesCarryUpToBatchMax) {
    EndpointSettings settings = endpoint_settings("batched");
    settings.batch_max = 3;
    EndpointRuntime batched(settings, kNow);
    std::vector<EndpointWork> work = {{&batched, due_range(1, 7)}};
    EndpointScheduler scheduler;
    const SchedulePlan plan = scheduler.plan(work, kNow, 32);
    ASSERT_EQ(plan.requests.size(), 3u);
    EXPECT_EQ(plan.requests[0].delivery_ids, (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_EQ(plan.requests[1].delivery_ids, (std::vector<std::int64_t>{4, 5, 6}));
    EXPECT_EQ(plan.requests[2].delivery_ids, (std::vector<std::int64_t>{7}));
}

TEST(EndpointSchedulerTest, PerBookingOrderHoldsAcrossRequests) {
    EndpointRuntime endpoint(endpoint_settings("x"), kNow);
    std::vector<EndpointWork> work = {
        {&endpoint, {due(1, "a"), due(2, "a"), due(3, "b"), due(4, "a"), due(5, "b")}}};
    EndpointScheduler scheduler;
    SchedulePlan plan = scheduler.plan(work, kNow, 32);
    ASSERT_EQ(plan.requests.size(), 2u);
    EXPECT_EQ(plan.requests[0].delivery_ids, (std::vector<std::int64_t>{1}));
    EXPECT_EQ(plan.requests[1].delivery_ids, (std::vector<std::int64_t>{3}));
    // Nothing more until those complete, and no timer to wake for.
    EXPECT_TRUE(scheduler.plan(work, kNow, 32).requests.empty());
    EXPECT_EQ(plan.wake_at, std::nullopt);
}

TEST(EndpointSchedulerTest, RespectsMaxConcurrencyAndSharesItFairly) {
    EndpointRuntime first(endpoint_settings("first"), kNow);
    EndpointRuntime second(endpoint_settings("second"), kNow);
    std::vector<EndpointWork> work = {{&first, due_range(1, 100)}, {&second, due_range(1, 100)}};
    EndpointScheduler scheduler;
    const SchedulePlan plan = scheduler.plan(work, kNow, 8);
    EXPECT_EQ(plan.requests.size(), 8u);
    EXPECT_EQ(requests_for(plan, 0), 4u);
    EXPECT_EQ(requests_for(plan, 1), 4u);
    EXPECT_TRUE(scheduler.plan(work, kNow, 8).requests.empty());
}

TEST(EndpointSchedulerTest, AnEndpointThatCannotSendLeavesItsShareToTheOthers) {
    EndpointSettings paused_settings = endpoint_settings("paused");
    paused_settings.paused = true;
    EndpointRuntime paused(paused_settings, kNow);
    EndpointRuntime healthy(endpoint_settings("healthy"), kNow);
    std::vector<EndpointWork> work = {{&paused, due_range(1, 100)}, {&healthy, due_range(1, 100)}};
    EndpointScheduler scheduler;
    const SchedulePlan plan = scheduler.plan(work, kNow, 8);
    EXPECT_EQ(requests_for(plan, 0), 0u);
    EXPECT_EQ(requests_for(plan, 1), 8u);
}

TEST(EndpointSchedulerTest, ScarceSlotsRotateBetweenEndpoints) {
    std::vector<std::unique_ptr<EndpointRuntime>> endpoints;
    std::vector<EndpointWork> work;
    for (const char *name : {"a", "b", "c"}) {
        endpoints.push_back(std::make_unique<EndpointRuntime>(endpoint_settings(name), kNow));
        work.push_back({endpoints.back().get(), due_range(1, 10)});
    }
    EndpointScheduler scheduler;
    std::map<std::size_t, int> served;
    for (int round = 0; round < 3; ++round) {
        const SchedulePlan plan = scheduler.plan(work, kNow, 1);
        ASSERT_EQ(plan.requests.size(), 1u);
        ++served[plan.requests[0].endpoint];
        // The request completes at once.
        EndpointWork &entry = work[plan.requests[0].endpoint];
        entry.endpoint->on_response(kNow, RequestFeedback{200, std::nullopt, false});
        entry.queue.erase(entry.queue.begin());
    }
    EXPECT_EQ(served.size(), 3u);
}

TEST(EndpointSchedulerTest, WakesForTheRateWindowAndForTheNextDueDelivery) {
    EndpointSettings limited = endpoint_settings("limited");
    limited.max_per_second = 2;
    EndpointRuntime rate_limited(limited, kNow);
    EndpointRuntime later(endpoint_settings("later"), kNow);
    QueuedDelivery not_yet = due(1);
    not_yet.due_at = kNow + 7000;
    std::vector<EndpointWork> work = {{&rate_limited, due_range(1, 10)}, {&later, {not_yet}}};
    EndpointScheduler scheduler;
    SchedulePlan plan = scheduler.plan(work, kNow, 32);
    EXPECT_EQ(requests_for(plan, 0), 2u);
    EXPECT_EQ(requests_for(plan, 1), 0u);
    EXPECT_EQ(plan.wake_at, kNow + 1000);
    work[0].queue.clear();
    plan = scheduler.plan(work, kNow, 32);
    EXPECT_EQ(plan.wake_at, kNow + 7000);
}

TEST(EndpointSchedulerTest, NothingToDoMeansNoWake) {
    EndpointRuntime endpoint(endpoint_settings("x"), kNow);
    std::vector<EndpointWork> work = {{&endpoint, {}}};
    EndpointScheduler scheduler;
    const SchedulePlan plan = scheduler.plan(work, kNow, 32);
    EXPECT_TRUE(plan.requests.empty());
    EXPECT_EQ(plan.wake_at, std::nullopt);
    std::vector<EndpointWork> none;
    EXPECT_TRUE(scheduler.plan(none, kNow, 32).requests.empty());
}

}  // namespace
}  // namespace booking_events
