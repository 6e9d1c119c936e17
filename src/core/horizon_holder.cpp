#include "core/horizon_holder.hpp"

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

}  // namespace booking_events
