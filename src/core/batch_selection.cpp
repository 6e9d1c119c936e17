#include "core/batch_selection.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

namespace booking_events {

std::vector<std::size_t> select_batch(const std::vector<QueuedDelivery> &queue, std::int64_t now,
                                      int batch_max) {
    for (std::size_t i = 1; i < queue.size(); ++i)
        if (queue[i].id <= queue[i - 1].id)
            throw std::invalid_argument("deliveries must be in strictly increasing id order");
    const std::size_t capacity = static_cast<std::size_t>(std::max(batch_max, 1));
    std::vector<std::size_t> chosen;
    // Bookings whose next event cannot go in this request: everything later
    // of theirs waits too.
    std::unordered_set<std::string> held_back;
    for (std::size_t i = 0; i < queue.size() && chosen.size() < capacity; ++i) {
        const QueuedDelivery &delivery = queue[i];
        const bool ordered = delivery.booking_id.has_value();
        if (ordered && held_back.count(*delivery.booking_id) > 0) continue;
        if (delivery.in_flight || delivery.due_at > now) {
            if (ordered) held_back.insert(*delivery.booking_id);
            continue;
        }
        chosen.push_back(i);
    }
    return chosen;
}

}  // namespace booking_events
