// The worker loop on simulated time, for the scheduler tests: receivers that
// answer after a latency, deliveries that commit while it runs, results fed
// back to the endpoints, and a record of every request.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/endpoint_scheduler.hpp"
#include "endpoint_test_support.hpp"

namespace booking_events::endpoint_test {

struct Answer {
    long status = 200;
    std::optional<std::int64_t> retry_after_ms;
};

struct Receiver {
    std::int64_t latency_ms = 5;
    // Decided when the request arrives, like a real receiver counting them.
    std::function<Answer(std::int64_t arrived)> answer = [](std::int64_t) { return Answer{}; };
};

struct Sent {
    std::size_t endpoint = 0;
    std::int64_t started = 0;
    std::vector<std::int64_t> ids;
    bool is_probe = false;
    Answer answer;
    std::int64_t completed = 0;
};

struct Simulation {
    std::vector<std::unique_ptr<EndpointRuntime>> endpoints;
    std::vector<Receiver> receivers;
    std::vector<EndpointWork> work;
    std::vector<Sent> sent;  // in start order, completed ones filled in
    std::map<std::pair<std::size_t, std::int64_t>, std::int64_t> delivered_at;
    // Deliveries that commit later: (commit time, endpoint, delivery). Until
    // then the worker does not know them.
    std::multimap<std::int64_t, std::pair<std::size_t, QueuedDelivery>> commits;
    int max_concurrency = 8;
    std::int64_t retry_delay_ms = 1000;  // the worker's backoff, simplified

    void add(EndpointSettings settings, Receiver receiver, std::vector<QueuedDelivery> queue) {
        endpoints.push_back(std::make_unique<EndpointRuntime>(std::move(settings), kNow));
        receivers.push_back(std::move(receiver));
        work.push_back({endpoints.back().get(), std::move(queue)});
    }

    void complete(std::size_t index, std::int64_t now) {
        Sent &request = sent[index];
        request.completed = now;
        endpoints[request.endpoint]->on_response(
            now, RequestFeedback{request.answer.status, request.answer.retry_after_ms,
                                 request.is_probe});
        std::vector<QueuedDelivery> &queue = work[request.endpoint].queue;
        for (std::int64_t id : request.ids) {
            auto it = std::find_if(queue.begin(), queue.end(), [&](const QueuedDelivery &delivery) {
                return delivery.id == id;
            });
            if (request.answer.status >= 200 && request.answer.status < 300) {
                delivered_at[{request.endpoint, id}] = now;
                queue.erase(it);
            } else {
                it->in_flight = false;
                it->due_at = now + retry_delay_ms;
            }
        }
    }

    void run_until(std::int64_t end) {
        EndpointScheduler scheduler;
        std::multimap<std::int64_t, std::size_t> in_flight;  // completion time -> sent index
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
                const Receiver &receiver = receivers[request.endpoint];
                sent.push_back(Sent{request.endpoint, now, request.delivery_ids, request.is_probe,
                                    receiver.answer(now), 0});
                in_flight.emplace(now + receiver.latency_ms, sent.size() - 1);
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

}  // namespace booking_events::endpoint_test
