// When the delivery worker records the attempts that finished.
//
// At a steady rate each transaction of the worker claimed the next events
// and recorded the answers of the previous ones, so its record statement
// carried the ~6 answers of one 8 ms gathering window and paid its fixed
// cost (executor start, the statement's plan, the commit's WAL flush) that
// often. Recording is not on the commit -> delivery path (the receiver has
// the event once it answered), so answers are gathered over a longer window
// than the claims: the transactions in between only claim, write nothing
// and commit without a WAL flush. An answer waits at most the window, or
// less once enough have gathered; stopping and handing over record at once.
//
// What an unrecorded answer keeps: its delivery is still pending in the
// table, so the worker never claims it again (it is in the claim's "in
// flight" list) and its booking's next event waits for the record, as it
// waited for the previous transaction before. A crash before the record
// sends it again, as any answer not yet recorded always was.
//
// Except for a booking's chain: its next event waits for this record, so
// in a backlog of few bookings (fewer than the claim's slots: its claims
// never fill, the recorder never engages) every round would wait the
// window. An event claimed right after its booking's previous answer was
// recorded follows it, and the answer of such a follower is recorded at
// once: the chain then goes at the claims' pace, and only its first answer
// waits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace booking_events {

// The delivery worker's: 25 ms, about three claims' windows
// (kGatherWindowUs). At 1,000 events/s a record statement then carries
// about 34 answers instead of 7, and the claims, which walk the answered
// but still pending deliveries, cost a fifth to a third more
// (BENCHMARKS.md, "steady8"): a longer window saves less and less on the
// one and costs more on the other. 64 answers, a drain's transaction, need
// no longer wait. README: Answers are recorded a little later than they
// arrive.
inline constexpr std::int64_t kRecordWindowMs = 25;
inline constexpr std::size_t kMostAnswersGathered = 64;

class RecordGathering {
  public:
    // Answers wait at most `window_ms`, and no longer once `most` wait.
    RecordGathering(std::int64_t window_ms, std::size_t most)
        : window_ms_(window_ms), most_(most) {}

    // Whether `waiting` answers, the oldest finished at `oldest_ms` (same
    // clock as `now_ms`; not read when none waits), `followers` of them
    // answers of followers, are to be recorded now.
    bool due(std::size_t waiting, std::size_t followers, std::int64_t oldest_ms,
             std::int64_t now_ms) const;
    // Milliseconds until they are (0: now; -1: nothing waits).
    std::int64_t wait_ms(std::size_t waiting, std::size_t followers, std::int64_t oldest_ms,
                         std::int64_t now_ms) const;

  private:
    std::int64_t window_ms_;
    std::size_t most_;
};

// The bookings (by any key that names one, per endpoint) whose answers the
// last record wrote: an event claimed for one of them follows it.
class RecentlyRecordedBookings {
  public:
    void replace(const std::vector<std::string> &bookings);
    bool follows(const std::string &booking) const { return bookings_.count(booking) > 0; }

  private:
    std::unordered_set<std::string> bookings_;
};

}  // namespace booking_events
