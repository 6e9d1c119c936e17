// How one claim of an endpoint's due deliveries is split between its two
// lanes, and what a claim that came back short says. Most of a claim reads
// the oldest due deliveries, in outbox order; a quarter reads the newest
// (due in the last two seconds), so that a fresh event is not stuck behind a
// backlog. Slots free one or two at a time while a backlog drains, so the
// quarter is a running credit per endpoint rather than rounded per claim:
// with one slot, every fourth claim is the newest lane alone.
//
// A claim that comes back short normally means nothing more is due, and the
// worker sleeps until a commit, an answer or the next retry wakes it. Not
// when the oldest lane was not asked at all: the newest lane sees only the
// last two seconds, and a backlog older than that is due all the same. With
// nothing in flight no answer would come to wake the worker, so it slept on
// a due backlog until the next commit (test/t/067_one_slot.pl).
#pragma once

namespace booking_events {

struct ClaimSplit {
    int oldest = 0;  // rows asked of the oldest lane
    int newest = 0;  // rows asked of the newest lane
};

// The newest lane runs only while there is a backlog: after a claim that
// came back short, the oldest lane has just read every due delivery, fresh
// ones included, and will again until a claim fills up; the newest lane's
// walk over the last two seconds of the pending index (the dead entries of
// everything delivered meanwhile included) would find nothing it misses.
// At a steady 1,000 events/s that walk was a part of every claim.
class ClaimLanes {
  public:
    // The split of a claim of `limit` rows (at least 0).
    ClaimSplit split(int limit);
    // What the claim said: whether more may be due (more_may_be_due).
    void claimed(bool more_due) { backlog_ = more_due; }

  private:
    double newest_credit_ = 0;
    bool backlog_ = true;  // until a claim says otherwise
};

// Whether due deliveries may be left after a claim split as `split` that
// returned `claimed` rows and removed `removed_without_event` deliveries
// whose event was gone (they filled the claim as events would have, and the
// bookings they blocked may have events due now).
bool more_may_be_due(const ClaimSplit &split, int claimed, int removed_without_event);

}  // namespace booking_events
