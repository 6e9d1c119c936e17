// Which NOTIFY channels the listener subscribes to for its filters, and
// which of the notifications it receives are its events.
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
    // takes every event from the all-events channel and filters here.
    bool filters_locally = false;
    std::vector<std::string> warnings;  // for stderr, one per id too long for a channel

    // Whether a notification that arrived on `channel` is one of ours.
    bool accepts(const std::string &channel, const NotificationFields &event) const;
};

Subscription plan_subscription(const EventFilters &filters);

// The replay's rule: some filter names one of the event's ids (no filter
// matches everything).
bool matches_filters(const EventFilters &filters, const NotificationFields &event);

}  // namespace booking_events::listen
