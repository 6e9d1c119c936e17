#include "pg/recorder_link.hpp"

#include <algorithm>

#include "pg/boundary.hpp"
#include "pg/recorder_channel.hpp"
#include "pg/settings.hpp"

namespace booking_events {

namespace {

// The most outcomes the recorder holds at once. Each stays pending in the
// table until committed, so every claim skips it (an id and a booking in
// the claim's "not in flight" arrays): a few transactions' worth keeps the
// recorder's commits large without making the claims long.
std::size_t max_handed_over() {
    return static_cast<std::size_t>(std::max(64, 4 * setting_max_concurrency));
}

}  // namespace

bool RecorderLink::exchange(DeliveryLedger &ledger, std::uint32_t extension_oid, bool stopping,
                            std::int64_t now_ms) {
    if (!recorder_channel_available()) return false;
    RecorderStatus status;
    pg_call([&] { status = read_recorder_status(); });
    OutcomeRing ring = outcome_ring();
    bool changed = ledger.release_recorded(ring.committed());
    if (!status.accepting) {
        // Whatever it read of the rest, it never committed it.
        if (ledger.awaiting_recorder()) {
            ledger.take_back();
            changed = true;
        }
        if (ring.written() != ring.committed()) pg_call([] { discard_unaccepted_outcomes(); });
        return changed;
    }
    const bool engaged =
        setting_recorder && !stopping && extension_oid != 0 && now_ms < engaged_until_ms_;
    if (engaged && ledger.hand_over(ring, extension_oid, max_handed_over()) > 0)
        pg_call([] { wake_recorder(); });
    return changed;
}

}  // namespace booking_events
