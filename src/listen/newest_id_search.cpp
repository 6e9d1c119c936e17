#include "listen/newest_id_search.hpp"

#include <limits>

namespace booking_events::listen {

std::int64_t find_newest_outbox_id(
    const std::function<std::optional<std::int64_t>(std::int64_t)> &first_id_after) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    const std::optional<std::int64_t> first = first_id_after(0);
    if (!first) return 0;
    // Invariant: `known` is an existing id; with `bounded`, no id is >= `limit`.
    std::int64_t known = *first;
    std::int64_t limit = kMax;
    bool bounded = false;
    std::int64_t step = 1;
    while (known < kMax && !(bounded && limit - known <= 1)) {
        const std::int64_t room = (bounded ? limit : kMax) - known;
        const std::int64_t probe = known + (bounded ? room / 2 : std::min(step, room));
        // Is there an id >= probe?
        if (const std::optional<std::int64_t> next = first_id_after(probe - 1);
            next && (!bounded || *next < limit)) {
            known = *next;
            if (!bounded && step <= kMax / 2) step *= 2;
        } else {
            limit = probe;
            bounded = true;
        }
    }
    return known;
}

}  // namespace booking_events::listen
