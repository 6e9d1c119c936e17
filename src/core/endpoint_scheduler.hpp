// Which requests the worker starts now, over all endpoints, and when it must
// wake next. Each endpoint is judged on its own (pause, breaker, Retry-After,
// rate limit, per-booking order), so one that is down, throttled or slow
// never holds back another's deliveries. What they share is
// booking_events.max_concurrency: free slots go round-robin, one request per
// endpoint per turn; a busy endpoint holds no more than its fair share
// (max_concurrency / endpoints with work) and leaves a slot for each idle
// endpoint (at most a quarter of all slots), and an endpoint with nothing in
// flight may always take a free slot. So a receiver that hangs until the
// timeout never makes another endpoint's next request wait for it.
// Times are milliseconds of the caller's clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/batch_selection.hpp"
#include "core/endpoint_runtime.hpp"

namespace booking_events {

struct EndpointWork {
    EndpointRuntime *endpoint = nullptr;
    // Its waiting deliveries, oldest first, those in flight marked (see
    // select_batch for what the list must contain).
    std::vector<QueuedDelivery> queue;
};

struct PlannedRequest {
    std::size_t endpoint = 0;                // index into the work list
    std::vector<std::int64_t> delivery_ids;  // in batch order
    bool is_probe = false;
    std::vector<EndpointNotice> notices;  // what starting it changed (a half-open breaker)
};

struct SchedulePlan {
    std::vector<PlannedRequest> requests;
    // The earliest time a waiting delivery may become startable (a rate
    // window, a Retry-After, a probe time, a next_attempt_at), nullopt when
    // only a completion, a commit or a setting change can start more.
    std::optional<std::int64_t> wake_at;
};

class EndpointScheduler {
  public:
    // Plans the requests to start at `now`. Each planned request is already
    // recorded as started in its EndpointRuntime and its deliveries are
    // marked in flight in `work`, so the caller only has to send them.
    SchedulePlan plan(std::vector<EndpointWork> &work, std::int64_t now, int max_concurrency);

  private:
    std::size_t first_turn_ = 0;  // rotates, so scarce slots are shared over time
};

}  // namespace booking_events
