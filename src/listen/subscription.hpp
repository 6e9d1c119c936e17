// Which NOTIFY channels the listener subscribes to for its filters. A
// notification on them only wakes the listener: the replay, filtered on the
// server, decides what is printed.
#pragma once

#include <string>
#include <vector>

#include "core/notification.hpp"
#include "listen/options.hpp"

namespace booking_events::listen {

struct Subscription {
    EventFilters filters;
    std::vector<std::string> channels;  // each once, to LISTEN on
    // The trigger publishes nothing on a channel name over 63 bytes, so a
    // filter with such an id cannot have its own channel: the listener then
    // wakes on every event of the all-events channel.
    bool listens_to_all_events = false;
    std::vector<std::string> warnings;  // for stderr, one per id too long for a channel
};

Subscription plan_subscription(const EventFilters &filters);

}  // namespace booking_events::listen
