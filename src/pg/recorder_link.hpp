// The delivery worker's side of the recorder (recorder_channel.hpp): when
// finished attempts go to the recorder instead of the worker's own
// transaction, and what the recorder's progress means for the worker's
// books (delivery_ledger.hpp).
//
// Only during a backlog: a claim whose oldest due events filled their
// share of the free request slots engages the recorder for a second; a steady trickle
// never does, so there the attempts are recorded in a transaction of the
// worker that also claims, a few claims' answers at a time
// (core/record_gathering.hpp), with no hop between processes. A booking's next
// event is claimed only once its previous attempt is committed, by either.
#pragma once

#include <cstdint>

#include "pg/delivery_ledger.hpp"

namespace booking_events {

class RecorderLink {
  public:
    // A claim round found more due than the free slots take (a backlog).
    void backlog_seen(std::int64_t now_ms) { engaged_until_ms_ = now_ms + kEngagedMs; }

    // At each pass of the worker's loop, outside transactions: forgets
    // what the recorder committed, takes back what a stopped recorder did
    // not, and hands finished attempts over while engaged. Returns whether
    // any attempt left the books or came back (a claim or a record is due).
    bool exchange(DeliveryLedger &ledger, std::uint32_t extension_oid, bool stopping,
                  std::int64_t now_ms);

  private:
    static constexpr std::int64_t kEngagedMs = 1000;
    std::int64_t engaged_until_ms_ = -1;
};

}  // namespace booking_events
