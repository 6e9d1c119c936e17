#include "core/endpoint_scheduler.hpp"

#include <algorithm>

namespace booking_events {

namespace {

bool has_waiting(const EndpointWork &work) {
    return std::any_of(work.queue.begin(), work.queue.end(),
                       [](const QueuedDelivery &delivery) { return !delivery.in_flight; });
}

void wake_no_later_than(std::optional<std::int64_t> &wake_at, std::int64_t at) {
    if (!wake_at || at < *wake_at) wake_at = at;
}

// When this endpoint next needs the worker, if a time can say it.
std::optional<std::int64_t> next_wake(const EndpointWork &work, std::int64_t now) {
    if (!has_waiting(work)) return std::nullopt;
    const SendPermit permit = work.endpoint->permit(now);
    if (!permit.allowed) return permit.not_before;
    // Startable work that did not start waits for a free slot: a completion
    // wakes the worker then.
    if (!select_batch(work.queue, now, work.endpoint->settings().batch_max).empty())
        return std::nullopt;
    std::optional<std::int64_t> earliest;
    for (const QueuedDelivery &delivery : work.queue)
        if (!delivery.in_flight && delivery.due_at > now)
            wake_no_later_than(earliest, delivery.due_at);
    return earliest;
}

}  // namespace

SchedulePlan EndpointScheduler::plan(std::vector<EndpointWork> &work, std::int64_t now,
                                     int max_concurrency) {
    SchedulePlan plan;
    const std::size_t count = work.size();
    const int slots = std::max(max_concurrency, 1);
    int in_flight = 0, wanting = 0, idle_enabled = 0;
    for (const EndpointWork &entry : work) {
        const int own = entry.endpoint->in_flight();
        in_flight += own;
        // Only endpoints that could send now share the slots: a paused or
        // open one with a backlog must not halve a healthy one's concurrency.
        if (own > 0 || (has_waiting(entry) && entry.endpoint->permit(now).allowed)) ++wanting;
        if (own == 0 && !entry.endpoint->settings().paused) ++idle_enabled;
    }
    int free_slots = slots - in_flight;
    const int fair_share = std::max(1, slots / std::max(wanting, 1));
    // An endpoint with nothing in flight may always take a free slot; a busy
    // one leaves one slot per idle endpoint (up to a quarter of them), so
    // that a receiver hanging until the timeout cannot make a newly busy
    // endpoint wait for that timeout.
    const auto may_take_slot = [&](const EndpointRuntime &endpoint) {
        if (endpoint.in_flight() == 0) return free_slots > 0;
        const int kept = std::min(idle_enabled, slots / 4);
        return free_slots - kept > 0 && endpoint.in_flight() < fair_share;
    };

    bool started = count > 0;
    while (started && free_slots > 0) {
        started = false;
        for (std::size_t turn = 0; turn < count && free_slots > 0; ++turn) {
            const std::size_t index = (first_turn_ + turn) % count;
            EndpointWork &entry = work[index];
            EndpointRuntime &endpoint = *entry.endpoint;
            if (!may_take_slot(endpoint)) continue;
            const SendPermit permit = endpoint.permit(now);
            if (!permit.allowed) continue;
            const std::vector<std::size_t> batch =
                select_batch(entry.queue, now, endpoint.settings().batch_max);
            if (batch.empty()) continue;
            PlannedRequest request;
            request.endpoint = index;
            request.is_probe = permit.is_probe;
            for (std::size_t position : batch) {
                entry.queue[position].in_flight = true;
                request.delivery_ids.push_back(entry.queue[position].id);
            }
            if (endpoint.in_flight() == 0 && !endpoint.settings().paused) --idle_enabled;
            request.notices = endpoint.on_request_started(now, permit.is_probe);
            plan.requests.push_back(std::move(request));
            --free_slots;
            started = true;
        }
    }
    if (count > 0) first_turn_ = (first_turn_ + 1) % count;

    for (const EndpointWork &entry : work)
        if (std::optional<std::int64_t> at = next_wake(entry, now))
            wake_no_later_than(plan.wake_at, *at);
    return plan;
}

}  // namespace booking_events
