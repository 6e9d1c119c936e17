#include "listen/event_tracker.hpp"

#include <algorithm>

namespace booking_events::listen {

EventTracker::EventTracker(std::int64_t lookback)
    : lookback_(std::max<std::int64_t>(lookback, 0)) {}

void EventTracker::start_after(std::int64_t outbox_id) {
    floor_ = std::max<std::int64_t>(outbox_id, 0);
    advance_to(floor_);
}

void EventTracker::advance_to(std::int64_t outbox_id) {
    if (outbox_id <= newest_) return;
    newest_ = outbox_id;
    // A replay only returns ids above replay_after(): below it, an id can
    // only come again as a copy of a live notification, which `recent_`
    // catches.
    in_window_.erase(in_window_.begin(), in_window_.upper_bound(replay_after()));
}

void EventTracker::mark_existing(std::int64_t outbox_id) { first_time(outbox_id); }

bool EventTracker::first_time(std::int64_t outbox_id) {
    if (in_window_.count(outbox_id) != 0 || recent_set_.count(outbox_id) != 0) return false;
    recent_.push_back(outbox_id);
    recent_set_.insert(outbox_id);
    if (recent_.size() > kRecentIdsKept) {
        recent_set_.erase(recent_.front());
        recent_.pop_front();
    }
    if (outbox_id > replay_after()) in_window_.insert(outbox_id);
    advance_to(outbox_id);
    return true;
}

std::int64_t EventTracker::replay_after() const {
    // newest_ >= 0 and lookback_ >= 0, so the difference cannot overflow.
    return std::max(floor_, newest_ - lookback_);
}

std::int64_t EventTracker::replay_after_hint(std::optional<std::int64_t> hinted_id) const {
    if (!hinted_id || *hinted_id > newest_ || *hinted_id <= replay_after()) return newest_;
    if (in_window_.count(*hinted_id) != 0) return newest_;
    return *hinted_id - 1;
}

std::size_t EventTracker::remembered() const {
    const std::int64_t window_start = replay_after();
    return in_window_.size() + static_cast<std::size_t>(std::count_if(
                                   recent_.begin(), recent_.end(),
                                   [&](std::int64_t id) { return id <= window_start; }));
}

}  // namespace booking_events::listen
