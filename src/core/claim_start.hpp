// Where an endpoint's claim starts reading its pending deliveries. The claim
// reads the endpoint's part of the pending index in outbox order; every
// delivery it settles leaves a dead entry at the head of that part until a
// vacuum removes it, so a claim that starts from the endpoint's lowest id
// reads more and more dead entries as a backlog drains (BENCHMARKS.md,
// bottleneck 6). Started at a mark instead (the lowest pending outbox id the
// previous claim's snapshot saw), it reads only what settled since.
//
// The mark only delays, never skips: a delivery can become pending below it
// only by a transaction that took its outbox id earlier and commits later,
// or by a manual retry (retry_failed_webhooks, adopt, a trigger). Deliveries
// in flight or backed off stay pending, so the mark never passes them. A
// claim that comes back short from a mark is run again from the start at
// once (so an idle worker never sleeps on a missed delivery), and while the
// claims keep coming back full, one from the start runs at least every
// kFullClaimIntervalMs. The per-booking order does not depend on where the
// claim starts: its probe for an earlier pending delivery of the booking
// reads the whole booking.
#pragma once

#include <cstdint>

namespace booking_events {

constexpr std::int64_t kFullClaimIntervalMs = 1000;

class ClaimStart {
  public:
    // The lowest outbox id the next claim reads; 0: from the start.
    std::int64_t from(std::int64_t now_ms) const;

    // A claim that read from `from` filled `filled` of its oldest lane's
    // `wanted` rows. Returns whether it must be run again from the start now.
    bool claimed(std::int64_t from, int filled, int wanted, std::int64_t now_ms);

    // Whether the lowest pending id is worth looking up after this claim: only
    // while claims come back full (a backlog); a short claim means the queue
    // is near its end, where a mark saves nothing.
    bool wants_head() const { return wants_head_; }

    // The lowest pending outbox id at or after the claim's start (0: none),
    // as the statement after the claim saw it.
    void head_found(std::int64_t head) { head_ = head; }

    // After anything that may have undone the worker's own changes (a rolled
    // back transaction) or replaced the table.
    void forget() { *this = ClaimStart(); }

  private:
    std::int64_t head_ = 0;
    std::int64_t full_claim_at_ms_ = 0;
    bool full_claim_seen_ = false;
    bool wants_head_ = false;
};

}  // namespace booking_events
