#include "core/claim_start.hpp"

namespace booking_events {

std::int64_t ClaimStart::from(std::int64_t now_ms) const {
    if (head_ <= 0 || !full_claim_seen_) return 0;
    // A clock that went backwards counts as the interval being over.
    const std::int64_t since_full = now_ms - full_claim_at_ms_;
    if (since_full < 0 || since_full >= kFullClaimIntervalMs) return 0;
    return head_;
}

bool ClaimStart::claimed(std::int64_t from, int filled, int wanted, std::int64_t now_ms) {
    // All of the claim went to the newest lane: it tells nothing of the head.
    if (wanted <= 0) {
        wants_head_ = false;
        return false;
    }
    if (from <= 0) {
        full_claim_at_ms_ = now_ms;
        full_claim_seen_ = true;
    }
    const bool full = filled >= wanted;
    wants_head_ = full;
    if (!full) head_ = 0;
    return !full && from > 0;
}

}  // namespace booking_events
