// What the listener does on each connection: find the extension, LISTEN,
// replay what it may have missed, then replay again whenever a
// notification arrives, printing every event it may see exactly once.
//
// A notification is never trusted: any role can NOTIFY anything. It only
// says "look now"; every printed line comes from booking_events_replay(),
// which returns only the events this role may see, and the position the
// listener resumes from only moves with what the replay returned.
//
// Why nothing is skipped: the replay runs after LISTEN has committed, so an
// event committed before the replay's snapshot is in the outbox and one
// committed after it is notified on this connection; the replay after a
// reconnect starts `lookback` ids below the newest id seen, which covers
// transactions that took their id before events already printed but
// committed after them (a live notification of such an event names its id,
// and the replay it triggers starts below it, within the same window).
// Why nothing is printed twice: every event goes through one EventTracker.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "listen/event_tracker.hpp"
#include "listen/extension_location.hpp"
#include "listen/options.hpp"
#include "listen/pg_session.hpp"
#include "listen/subscription.hpp"

namespace booking_events::listen {

class Listener {
  public:
    // `resumed_extension_oid`: the extension whose outbox --since refers to
    // (from the state file; empty when unknown).
    Listener(const ListenOptions &options, Subscription subscription,
             std::string resumed_extension_oid = {});

    // Up to date with the outbox on a new connection: finds the extension
    // (SetupProblem when the role cannot use it), starts over when it was
    // created again since the last connection, on the very first connection
    // without --since notes which events already exist (they are not
    // printed); then LISTEN and replay. Throws SessionError, StopRequested.
    void catch_up(PgSession &session);

    // Replays whenever notifications come; returns only by throwing.
    [[noreturn]] void follow(PgSession &session);

    // The outbox id to resume from (--since) so as to miss nothing printed
    // after what was printed so far.
    std::int64_t resume_id() const { return tracker_.newest(); }

    // Writes resume_id() and the extension followed to the --state-file, if
    // any, when they changed.
    void save_state();

    // When `error` is a problem only a DBA can fix (a missing grant or
    // schema), what to tell the user; nullopt for anything worth a retry.
    std::optional<std::string> setup_problem(const SessionError &error) const;

  private:
    void note_existing_events(PgSession &session);
    void listen(PgSession &session);
    std::size_t replay(PgSession &session, std::int64_t after);
    // The extension is not the one the listener followed: DROP and CREATE
    // EXTENSION made a new outbox, whose ids start again from 1.
    void start_over(const ExtensionLocation &location);

    ListenOptions options_;
    Subscription subscription_;
    EventTracker tracker_;
    bool started_;
    std::optional<ExtensionLocation> extension_;
    std::string resumed_extension_oid_;
    bool reported_missing_ = false;
    std::optional<std::pair<std::int64_t, std::string>> saved_;
};

}  // namespace booking_events::listen
