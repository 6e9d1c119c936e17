#include "core/horizon_holder.hpp"

#include <algorithm>

namespace booking_events {

bool holds_back_outbox(const OpenTransaction &transaction) {
    if (transaction.lazy_vacuum || transaction.logical_decoding) return false;
    return transaction.same_database || transaction.relays_standby_feedback;
}

std::optional<OpenTransaction> horizon_holder_to_name(const std::vector<OpenTransaction> &open) {
    std::optional<OpenTransaction> chosen;
    for (const OpenTransaction &transaction : open) {
        if (!holds_back_outbox(transaction) || transaction.open_seconds < kLongTransactionSeconds)
            continue;
        const bool older = !chosen || transaction.horizon_age_xids > chosen->horizon_age_xids ||
                           (transaction.horizon_age_xids == chosen->horizon_age_xids &&
                            transaction.open_seconds > chosen->open_seconds);
        if (older) chosen = transaction;
    }
    return chosen;
}

bool same_holder(const std::optional<OpenTransaction> &a, const std::optional<OpenTransaction> &b) {
    if (!a || !b) return !a && !b;
    return a->pid == b->pid && a->prepared_gid == b->prepared_gid && a->began_at == b->began_at;
}

void AutovacuumSightings::time_autovacuum(std::vector<OpenTransaction> &open,
                                          std::int64_t looked_at) {
    std::vector<Sighting> seen;
    for (OpenTransaction &transaction : open) {
        // A lazy vacuum holds nothing back: its snapshot must not start the
        // count of the ANALYZE after it, which may take the same xmin.
        if (!transaction.autovacuum || !holds_back_outbox(transaction)) continue;
        Sighting sighting{transaction.pid, transaction.horizon_xid, transaction.began_at,
                          looked_at};
        for (const Sighting &before : sightings_)
            if (before.pid == sighting.pid && before.horizon_xid == sighting.horizon_xid &&
                before.table_began_at == sighting.table_began_at)
                sighting.first_seen_at = std::min(before.first_seen_at, looked_at);
        seen.push_back(sighting);
        const double seen_seconds = static_cast<double>(looked_at - sighting.first_seen_at) / 1e6;
        transaction.open_seconds = std::min(transaction.open_seconds, seen_seconds);
        transaction.began_at = std::max(transaction.began_at, sighting.first_seen_at);
    }
    sightings_ = std::move(seen);
}

}  // namespace booking_events
