// What the listener does on each connection: LISTEN, replay what it may
// have missed, then print notifications as they arrive, every matching
// event exactly once.
//
// Why nothing is skipped: the replay runs after LISTEN has committed, so an
// event committed before the replay's snapshot is in the outbox and one
// committed after it is notified on this connection; the replay starts
// `lookback` ids below the newest id seen, which covers transactions that
// took their id before events already printed but committed after them.
// Why nothing is printed twice: every event goes through one EventTracker.
#pragma once

#include "listen/event_tracker.hpp"
#include "listen/options.hpp"
#include "listen/pg_session.hpp"
#include "listen/subscription.hpp"

namespace booking_events::listen {

class Listener {
  public:
    Listener(const ListenOptions &options, Subscription subscription);

    // Up to date with the outbox on a new connection: on the very first one
    // without --since, notes which events already exist (they are not
    // printed); then LISTEN and replay. Throws SessionError, StopRequested.
    void catch_up(PgSession &session);

    // Prints notifications as they come; returns only by throwing.
    [[noreturn]] void follow(PgSession &session);

  private:
    void note_existing_events(PgSession &session);
    void listen(PgSession &session);
    std::size_t replay(PgSession &session);
    bool offer(const std::string &origin, const std::string &json, const std::string *channel);

    Subscription subscription_;
    EventTracker tracker_;
    bool started_;
};

}  // namespace booking_events::listen
