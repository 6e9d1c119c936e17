// Which events the listener has printed, so that none is printed twice
// although an event arrives once per matching channel and again in the
// replay after a reconnect, and where that replay has to start so that none
// is skipped.
//
// Outbox ids are taken when a row is inserted, not when its transaction
// commits, so events can become visible out of id order: a transaction that
// commits late carries a lower id than events already printed. The replay
// after a reconnect therefore starts `lookback` ids below the newest id
// seen, and the ids seen in that window are remembered to skip them. Ids
// below the window are forgotten, which keeps memory bounded. Pure logic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <unordered_set>

namespace booking_events::listen {

class EventTracker {
  public:
    // The last ids offered stay remembered even below the window: the copies
    // of one late event on several channels arrive one after the other.
    static constexpr std::size_t kRecentIdsKept = 1024;

    explicit EventTracker(std::int64_t lookback);

    // --since: no replay ever starts below this id. Also the newest id so far.
    void start_after(std::int64_t outbox_id);
    // The outbox already holds events up to this id when the listener
    // starts without --since: the window follows it.
    void advance_to(std::int64_t outbox_id);
    // An event that existed before the listener started: never printed.
    void mark_existing(std::int64_t outbox_id);
    // True the first time an outbox id is offered: print the event. Later
    // offers of the same id (another channel, a replay) give false.
    bool first_time(std::int64_t outbox_id);

    // The replay after a (re)connect asks for the events after this id.
    std::int64_t replay_after() const;
    // The replay a notification triggers asks for the events after this id:
    // the newest id printed, or, when the notification names a lower id
    // not printed yet (an event that committed after newer ones), one below
    // it. A notification is never trusted: a forged id can never skip an
    // event, and one that no look back could find new (at or below
    // replay_after(), or already printed) is ignored, so that a forged
    // {"id": 1} does not replay the whole window (sec10).
    std::int64_t replay_after_hint(std::optional<std::int64_t> hinted_id) const;
    std::int64_t newest() const { return newest_; }
    // How many distinct ids are remembered: at most lookback + kRecentIdsKept.
    std::size_t remembered() const;

  private:
    std::int64_t lookback_;
    std::int64_t floor_ = 0;
    std::int64_t newest_ = 0;
    std::set<std::int64_t> in_window_;  // ids seen above replay_after()
    std::deque<std::int64_t> recent_;   // the last kRecentIdsKept ids seen, oldest first
    std::unordered_set<std::int64_t> recent_set_;
};

}  // namespace booking_events::listen
