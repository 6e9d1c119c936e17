// How soon the delivery worker may open its next transaction.
//
// At a steady trickle every commit woke the worker, and each wake-up paid a
// whole transaction (extension lookup, lock, endpoint refresh, claim, the
// next-due query, commit) for one or two events: 1.7 events per transaction
// and 542 us of worker CPU per event at 1,000 events/s (BENCHMARKS.md,
// target 4). So a transaction starts no sooner than a short gathering
// window after the previous one started: the commits and HTTP results that
// arrive meanwhile share the next one. The first wake-up after a quiet spell
// is served at once, and no wake-up waits longer than the window, so the
// window bounds what it adds to commit -> delivery latency.
//
// A transaction is also started at once when enough finished attempts wait
// to fill it: a quarter of the request slots, at most eight. While a backlog
// drains, answers come back that fast, so the window never holds the slots
// empty; at a steady trickle they come one by one, and the window gathers
// them. Without this rule a window long enough to gather a trickle (8 ms)
// cut a drain to 0.6 of its rate (BENCHMARKS.md, "pacing6").
//
// A claim that was cut short by its own limits (more due at once: a drain)
// is continued without waiting: there the transactions are already full.
#pragma once

#include <cstddef>
#include <cstdint>

namespace booking_events {

// The delivery worker's window. Commits and results arriving within this
// long of a transaction's start share the next one. 8 ms: at 1,000 events/s
// a transaction serves about 6.5 events instead of 3 and the worker's CPU
// per event falls by a quarter, while p99 commit -> delivery stays about
// 14 ms against a 50 ms target; the first event after a quiet spell waits
// nothing. A drain is not held back: its answers fill a transaction before
// the window ends. Measured against 2 and 5 ms: BENCHMARKS.md, "pacing6".
// README: Wake on commit.
inline constexpr std::int64_t kGatherWindowUs = 8000;

class TransactionPacing {
  public:
    explicit TransactionPacing(std::int64_t window_us) : window_us_(window_us) {}

    // The request slots changed (booking_events.max_concurrency).
    void set_request_slots(int slots);
    // How many finished attempts fill a transaction: it starts at once.
    std::size_t full_transaction() const { return full_transaction_; }

    // Microseconds until a wanted transaction may start (0: now), with
    // `finished` attempts waiting to be recorded.
    std::int64_t wait_us(std::int64_t now_us, std::size_t finished) const;
    // Milliseconds for a wait that must not wake before that (rounded up).
    long wait_ms(std::int64_t now_us, std::size_t finished) const;

    // A transaction starts now.
    void started(std::int64_t now_us);
    // The last one left work that is due at once: the next is not held back.
    void continue_at_once() { continue_at_once_ = true; }

  private:
    std::int64_t window_us_;
    std::size_t full_transaction_ = 1;
    std::int64_t last_start_us_ = 0;
    bool started_once_ = false;
    bool continue_at_once_ = false;
};

}  // namespace booking_events
