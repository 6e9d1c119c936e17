// Finds the newest outbox id with nothing but booking_events_replay(), the
// one function a listener's role may call: "the first event after id x" is
// enough for a galloping search (about 2·log2(newest) questions, once per
// start). The listener needs that id to know where "now" is.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

namespace booking_events::listen {

// `first_id_after(x)`: the smallest outbox id greater than x, or nullopt
// when there is none. Returns the largest outbox id, 0 when there is none.
std::int64_t find_newest_outbox_id(
    const std::function<std::optional<std::int64_t>(std::int64_t)> &first_id_after);

}  // namespace booking_events::listen
