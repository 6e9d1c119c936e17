#include "listen/event_tracker.hpp"

#include <algorithm>

namespace booking_events::listen {

EventTracker::EventTracker(std::int64_t lookback) : lookback_(std::max<std::int64_t>(lookback, 0)) {}

void EventTracker::start_after(std::int64_t outbox_id) {
    floor_ = std::max<std::int64_t>(outbox_id, 0);
    advance_to(floor_);
}

void EventTracker::advance_to(std::int64_t outbox_id) {
    if (outbox_id <= newest_) return;
    newest_ = outbox_id;
    forget_below_window();
}

void EventTracker::mark_existing(std::int64_t outbox_id) { first_time(outbox_id); }

bool EventTracker::first_time(std::int64_t outbox_id) {
    if (seen_.count(outbox_id) != 0) return false;
    seen_.emplace(outbox_id, ++offers_);
    if (outbox_id > newest_) newest_ = outbox_id;
    forget_below_window();
    return true;
}

std::int64_t EventTracker::replay_after() const {
    // newest_ >= 0 and lookback_ >= 0, so the difference cannot overflow.
    return std::max(floor_, newest_ - lookback_);
}

void EventTracker::forget_below_window() {
    // A replay only returns ids above replay_after(), so below it a
    // remembered id can only stop a late copy of a live notification.
    const std::int64_t window_start = replay_after();
    const std::uint64_t recent_from =
        offers_ > kRecentIdsKept ? offers_ - kRecentIdsKept + 1 : std::uint64_t{0};
    for (auto it = seen_.begin(); it != seen_.end() && it->first <= window_start;) {
        if (it->second >= recent_from)
            ++it;
        else
            it = seen_.erase(it);
    }
}

}  // namespace booking_events::listen
