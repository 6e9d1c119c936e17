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

#include "endpoint_test_settings.hpp"

namespace booking_events {
namespace {

using endpoint_test::endpoint_settings;
using endpoint_test::kNow;

QueuedDelivery due(std::int64_t id, std::optional<std::string> booking = std::nullopt) {
    return QueuedDelivery{id, std::move(booking), kNow, false};
}

std::vector<QueuedDelivery> due_range(std::int64_t first, std::int64_t count) {
    std::vector<QueuedDelivery> queue;
    for (std::int64_t id = first; id < first + count; ++id) queue.push_back(due(id));
    return queue;
}

std::size_t requests_for(const SchedulePlan &plan, std::size_t endpoint) {
    return static_cast<std::size_t>(
        std::count_if(plan.requests.begin(), plan.requests.end(),
                      [&](const PlannedRequest &request) { return request.endpoint == endpoint; }));
}

// The most values in any half-open window [a, a + window_ms).
int busiest_window(std::vector<std::int64_t> times, std::int64_t window_ms) {
    std::sort(times.begin(), times.end());
    int busiest = 0;
    for (std::size_t i = 0, j = 0; i < times.size(); ++i) {
        while (j < times.size() && times[j] < times[i] + window_ms) ++j;
        busiest = std::max(busiest, static_cast<int>(j - i));
    }
    return busiest;
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

// ---------------------------------------------------------------------------
// simulated time: the worker loop with receivers that answer after a delay

struct Receiver {
    std::int64_t latency_ms = 5;
    std::function<long(std::int64_t now)> status = [](std::int64_t) { return 200L; };
};

struct Sent {
    std::size_t endpoint;
    std::int64_t started;
    std::vector<std::int64_t> ids;
    bool is_probe;
};

struct Simulation {
    std::vector<std::unique_ptr<EndpointRuntime>> endpoints;
    std::vector<Receiver> receivers;
    std::vector<EndpointWork> work;
    std::vector<Sent> sent;
    std::map<std::pair<std::size_t, std::int64_t>, std::int64_t> delivered_at;
    // Deliveries that commit later: (commit time, endpoint, delivery). Until
    // then the worker does not know them.
    std::multimap<std::int64_t, std::pair<std::size_t, QueuedDelivery>> commits;
    int max_concurrency = 8;

    void add(EndpointSettings settings, Receiver receiver, std::vector<QueuedDelivery> queue) {
        endpoints.push_back(std::make_unique<EndpointRuntime>(std::move(settings), kNow));
        receivers.push_back(std::move(receiver));
        work.push_back({endpoints.back().get(), std::move(queue)});
    }

    void complete(const Sent &request, std::int64_t now) {
        const long status = receivers[request.endpoint].status(now);
        endpoints[request.endpoint]->on_response(
            now, RequestFeedback{status, std::nullopt, request.is_probe});
        std::vector<QueuedDelivery> &queue = work[request.endpoint].queue;
        for (std::int64_t id : request.ids) {
            auto it = std::find_if(queue.begin(), queue.end(), [&](const QueuedDelivery &delivery) {
                return delivery.id == id;
            });
            if (status >= 200 && status < 300) {
                delivered_at[{request.endpoint, id}] = now;
                queue.erase(it);
            } else {
                it->in_flight = false;
                it->due_at = now + 1000;  // the worker's backoff, simplified
            }
        }
    }

    void run_until(std::int64_t end) {
        EndpointScheduler scheduler;
        std::multimap<std::int64_t, Sent> in_flight;
        std::int64_t now = kNow;
        while (now <= end) {
            while (!commits.empty() && commits.begin()->first <= now) {
                work[commits.begin()->second.first].queue.push_back(commits.begin()->second.second);
                commits.erase(commits.begin());
            }
            while (!in_flight.empty() && in_flight.begin()->first <= now) {
                complete(in_flight.begin()->second, in_flight.begin()->first);
                in_flight.erase(in_flight.begin());
            }
            const SchedulePlan plan = scheduler.plan(work, now, max_concurrency);
            for (const PlannedRequest &request : plan.requests) {
                Sent record{request.endpoint, now, request.delivery_ids, request.is_probe};
                sent.push_back(record);
                in_flight.emplace(now + receivers[request.endpoint].latency_ms, record);
            }
            std::optional<std::int64_t> next = plan.wake_at;
            if (!in_flight.empty() && (!next || in_flight.begin()->first < *next))
                next = in_flight.begin()->first;
            if (!commits.empty() && (!next || commits.begin()->first < *next))
                next = commits.begin()->first;
            if (!next) break;
            now = std::max(now + 1, *next);
        }
    }

    std::vector<std::int64_t> start_times(std::size_t endpoint) const {
        std::vector<std::int64_t> times;
        for (const Sent &request : sent)
            if (request.endpoint == endpoint) times.push_back(request.started);
        return times;
    }
};

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
    simulation.add(dead, Receiver{10000, [](std::int64_t) { return 0L; }}, due_range(1, 500));
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
                   Receiver{20, [back_at](std::int64_t now) { return now >= back_at ? 200L : 0L; }},
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

}  // namespace
}  // namespace booking_events
