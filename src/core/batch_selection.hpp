// Which due deliveries of one endpoint the next request carries, keeping the
// contract's per-booking order: a later event of a booking is never sent
// before, or in the same request ahead of, an earlier one, and never while an
// earlier one is held back (in flight, not yet due, or left out because the
// batch is full). Events without a booking id have no order to keep.
//
// The queue must be an id-ordered prefix of the endpoint's waiting
// deliveries: a delivery missing from the middle could not hold back the
// later events of its booking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace booking_events {

struct QueuedDelivery {
    std::int64_t id = 0;  // outbox order: strictly increasing along the queue
    std::optional<std::string> booking_id;
    std::int64_t due_at = 0;  // next_attempt_at, same clock as `now`
    bool in_flight = false;
};

// Indexes into `queue` of up to `batch_max` deliveries for one request, in
// queue order (the order of the batch's "events"). Empty when nothing can
// go. Throws std::invalid_argument when the ids are not strictly increasing.
std::vector<std::size_t> select_batch(const std::vector<QueuedDelivery> &queue, std::int64_t now,
                                      int batch_max);

}  // namespace booking_events
