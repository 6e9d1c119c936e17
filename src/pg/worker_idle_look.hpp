// When a delivery worker with nowhere to send opens a transaction anyway.
//
// Every commit that writes an event wakes the worker. While no endpoint can
// be sent to (`default` without a URL, the others paused or none), a
// transaction per commit would only find that again: it cost the application
// a third of its insert rate (BENCHMARKS.md, bottleneck 10). So such a
// wake-up opens one only when a change the worker learns of inside a
// transaction was announced (an endpoint changed, events requeued or adopted,
// the extension created: ask_worker_to_look_on_commit), or once the last one
// is a while ago: what the worker looks after in passing (its session
// settings, a long transaction holding back cleanup, the removed-endpoint
// sweep for a transaction that committed late) is then seen within that
// while of a commit.
#pragma once

#include <algorithm>

#include "pg/boundary.hpp"
#include "pg/shared_state.hpp"

namespace booking_events {

class IdleLook {
  public:
    // At each pass of the loop, after the wait.
    void take_requests() {
        bool requested = false;
        pg_call([&] { requested = take_look_request(); });
        if (requested) requested_ = true;
    }
    // Whether a wake-up is worth a transaction although nothing can be sent.
    bool due(long now_ms) const { return due_in(now_ms) == 0; }
    // How long until it is (milliseconds, 0: now).
    long due_in(long now_ms) const {
        if (requested_ || last_transaction_ms_ < 0) return 0;
        return std::max<long>(0, last_transaction_ms_ + kIntervalMs - now_ms);
    }
    void transaction_started(long now_ms) {
        requested_ = false;
        last_transaction_ms_ = now_ms;
    }
    // A failed transaction is tried again, whatever its reason was.
    void transaction_failed() { requested_ = true; }

  private:
    static constexpr long kIntervalMs = 10000;
    bool requested_ = false;
    long last_transaction_ms_ = -1;  // steady clock
};

}  // namespace booking_events
