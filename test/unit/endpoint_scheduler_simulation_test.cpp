#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "endpoint_simulation.hpp"

namespace booking_events {
namespace {

using endpoint_test::Answer;
using endpoint_test::busiest_window;
using endpoint_test::due;
using endpoint_test::due_range;
using endpoint_test::endpoint_settings;
using endpoint_test::kNow;
using endpoint_test::Receiver;
using endpoint_test::Sent;
using endpoint_test::Simulation;

TEST(EndpointSchedulerSimulationTest, RateLimitHoldsInEveryWindowWhileTheBacklogDrains) {
    Simulation simulation;
    simulation.max_concurrency = 32;
    EndpointSettings limited = endpoint_settings("limited");
    limited.max_per_second = 7;
    simulation.add(limited, Receiver{}, due_range(1, 300));
    simulation.run_until(kNow + 120000);
    const std::vector<std::int64_t> starts = simulation.start_times(0);
    EXPECT_EQ(simulation.delivered_at.size(), 300u);
    EXPECT_LE(busiest_window(starts, 1000), 7);
    // 300 at 7/s: 42 full seconds, not much longer.
    EXPECT_LE(starts.back() - starts.front(), 43000);
}

TEST(EndpointSchedulerSimulationTest, FractionalRateWithBatches) {
    Simulation simulation;
    EndpointSettings slow = endpoint_settings("slow");
    slow.max_per_second = 0.5;
    slow.batch_max = 10;
    simulation.add(slow, Receiver{}, due_range(1, 95));
    simulation.run_until(kNow + 60000);
    const std::vector<std::int64_t> starts = simulation.start_times(0);
    ASSERT_EQ(starts.size(), 10u);  // 9 full batches and one of 5
    EXPECT_EQ(simulation.delivered_at.size(), 95u);
    EXPECT_LE(busiest_window(starts, 2000), 1);
}

TEST(EndpointSchedulerSimulationTest, AHangingReceiverNeverDelaysAnotherEndpoint) {
    // "dead" answers nothing for 10 s (the request timeout) and never opens
    // its breaker in time; "live" gets one event every 100 ms.
    Simulation simulation;
    simulation.max_concurrency = 4;
    EndpointSettings dead = endpoint_settings("dead");
    dead.breaker_failures = 1000;
    simulation.add(dead,
                   Receiver{10000,
                            [](std::int64_t) {
                                return Answer{0, std::nullopt};
                            }},
                   due_range(1, 500));
    simulation.add(endpoint_settings("live"), Receiver{}, {});
    std::vector<QueuedDelivery> arrivals;
    for (std::int64_t i = 0; i < 200; ++i) {
        QueuedDelivery delivery = due(i + 1, "booking-" + std::to_string(i % 7));
        delivery.due_at = kNow + 50 + i * 100;
        arrivals.push_back(delivery);
        simulation.commits.emplace(delivery.due_at, std::make_pair(std::size_t{1}, delivery));
    }
    simulation.run_until(kNow + 30000);
    ASSERT_EQ(simulation.delivered_at.size(), 200u);
    std::int64_t worst = 0;
    for (const QueuedDelivery &delivery : arrivals)
        worst = std::max(worst, simulation.delivered_at.at({1, delivery.id}) - delivery.due_at);
    EXPECT_LE(worst, 10);  // its own 5 ms latency, never the dead one's 10 s
}

TEST(EndpointSchedulerSimulationTest, DeadReceiverOpensTheBreakerAndDrainsAfterRecovery) {
    Simulation simulation;
    const std::int64_t back_at = kNow + 120000;
    simulation.add(endpoint_settings("flaky"),
                   Receiver{20,
                            [back_at](std::int64_t now) {
                                return Answer{now >= back_at ? 200L : 0L, std::nullopt};
                            }},
                   due_range(1, 50));
    simulation.run_until(kNow + 200000);
    EXPECT_EQ(simulation.delivered_at.size(), 50u);
    // While down: the first requests until the breaker opened, then one
    // probe per 30 s, not one request per event and retry.
    int probes = 0, before_recovery = 0;
    for (const Sent &request : simulation.sent) {
        probes += request.is_probe;
        before_recovery += request.started < back_at;
    }
    EXPECT_GE(probes, 3);
    EXPECT_LE(probes, 5);
    EXPECT_LE(before_recovery, 8 + 5);  // at most max_concurrency before opening, plus probes
    EXPECT_STREQ(simulation.endpoints[0]->state_name(kNow + 200000), "active");
}

TEST(EndpointSchedulerSimulationTest, RetryAfterPausesOneEndpointWhileAnotherKeepsDelivering) {
    Simulation simulation;
    const std::int64_t pause_ms = 20000;
    // "make" answers its first request 429 with Retry-After, then 200.
    simulation.add(
        endpoint_settings("make"),
        Receiver{5,
                 [first = true](std::int64_t) mutable {
                     const bool throttled = first;
                     first = false;
                     return throttled ? Answer{429, pause_ms} : Answer{200, std::nullopt};
                 }},
        {});
    simulation.add(endpoint_settings("crm"), Receiver{}, {});
    for (std::int64_t i = 0; i < 60; ++i)
        for (std::size_t endpoint : {0u, 1u})
            simulation.commits.emplace(
                kNow + i * 500, std::make_pair(endpoint, due(i + 1, "b" + std::to_string(i % 3))));
    simulation.run_until(kNow + 120000);
    EXPECT_EQ(simulation.delivered_at.size(), 120u);
    const Sent &throttled = simulation.sent.front();
    ASSERT_EQ(throttled.answer.status, 429);
    const std::int64_t pause_end = throttled.completed + pause_ms;
    int crm_during_pause = 0;
    for (const Sent &request : simulation.sent) {
        // Nothing at all went to "make" during its pause, not only the event
        // that got the 429.
        if (request.endpoint == 0 && request.started > throttled.completed) {
            EXPECT_GE(request.started, pause_end);
        }
        if (request.endpoint == 1 && request.started > throttled.completed &&
            request.started < pause_end)
            ++crm_during_pause;
    }
    EXPECT_GE(crm_during_pause, 35);  // one every 500 ms for 20 s, each on time
}

TEST(EndpointSchedulerSimulationTest, ThrottledEndpointDrainsAtTheRateItsReceiverAccepts) {
    // No limit configured; the receiver takes 10 per second and answers the
    // rest 429 without Retry-After. AIMD must find the rate instead of
    // hammering it, and everything must still arrive.
    Simulation simulation;
    simulation.max_concurrency = 32;
    std::vector<std::int64_t> accepted_at;
    simulation.add(endpoint_settings("make"),
                   Receiver{5,
                            [&accepted_at](std::int64_t now) {
                                const std::int64_t in_last_second = std::count_if(
                                    accepted_at.begin(), accepted_at.end(),
                                    [now](std::int64_t at) { return at > now - 1000; });
                                if (in_last_second >= 10) return Answer{429, std::nullopt};
                                accepted_at.push_back(now);
                                return Answer{200, std::nullopt};
                            }},
                   due_range(1, 600));
    EndpointSettings lenient = simulation.endpoints[0]->settings();
    lenient.breaker_failures = 1000;  // this test is about the rate, not the breaker
    simulation.endpoints[0]->reconfigure(lenient, kNow);
    simulation.run_until(kNow + 600000);
    EXPECT_EQ(simulation.delivered_at.size(), 600u);
    int refused = 0;
    for (const Sent &request : simulation.sent) refused += request.answer.status == 429;
    // Without AIMD (or with a cut that an increase can swallow) every retry
    // round meets a wall of 429s: hundreds to thousands.
    EXPECT_LT(refused, 120);
    // And it drains near the receiver's 10/s: 600 events in at most twice 60 s.
    std::int64_t last = 0;
    for (const auto &entry : simulation.delivered_at) last = std::max(last, entry.second);
    EXPECT_LT(last - kNow, 120000);
    EXPECT_LE(busiest_window(accepted_at, 1000), 10);
}

TEST(EndpointSchedulerSimulationTest, PerBookingOrderHoldsWithBatchesAndRandomFailures) {
    std::mt19937_64 random(11);
    Simulation simulation;
    simulation.max_concurrency = 6;
    EndpointSettings batched = endpoint_settings("batched");
    batched.batch_max = 4;
    batched.breaker_failures = 1000;
    std::vector<QueuedDelivery> queue;
    std::map<std::int64_t, std::string> booking_of;
    for (std::int64_t id = 1; id <= 300; ++id) {
        const std::string booking = "b" + std::to_string(random() % 9);
        queue.push_back(due(id, booking));
        booking_of[id] = booking;
    }
    simulation.add(batched,
                   Receiver{30,
                            [&random](std::int64_t) {
                                return Answer{random() % 4 == 0 ? 503L : 200L, std::nullopt};
                            }},
                   queue);
    simulation.retry_delay_ms = 200;
    simulation.run_until(kNow + 3600000);
    ASSERT_EQ(simulation.delivered_at.size(), 300u);
    // For each booking, the request that delivered event n+1 started after
    // event n was delivered, or is the same request with n ahead of it.
    std::map<std::string, std::int64_t> previous;
    for (const auto &[id, booking] : booking_of) {
        if (previous.count(booking) == 0) {
            previous[booking] = id;
            continue;
        }
        const std::int64_t earlier = previous[booking];
        previous[booking] = id;
        for (const Sent &request : simulation.sent) {
            const auto position = std::find(request.ids.begin(), request.ids.end(), id);
            if (position == request.ids.end()) continue;
            const auto earlier_position = std::find(request.ids.begin(), position, earlier);
            if (earlier_position != position) continue;  // same request, in order
            EXPECT_GE(request.started, simulation.delivered_at.at({0, earlier}))
                << "event " << id << " of " << booking << " overtook " << earlier;
        }
    }
    std::size_t largest = 0;
    for (const Sent &request : simulation.sent) largest = std::max(largest, request.ids.size());
    EXPECT_EQ(largest, 4u);
}

}  // namespace
}  // namespace booking_events
