#include "core/claim_lanes.hpp"

#include <algorithm>

namespace booking_events {

ClaimSplit ClaimLanes::split(int limit) {
    limit = std::max(limit, 0);
    if (!backlog_) return ClaimSplit{limit, 0};
    newest_credit_ += limit / 4.0;
    const int newest = std::min(static_cast<int>(newest_credit_), limit);
    newest_credit_ -= newest;
    return ClaimSplit{limit - newest, newest};
}

bool more_may_be_due(const ClaimSplit &split, int claimed, int removed_without_event) {
    const bool full = claimed >= split.oldest + split.newest;
    const bool oldest_not_asked = split.oldest == 0 && split.newest > 0;
    return full || oldest_not_asked || removed_without_event > 0;
}

}  // namespace booking_events
