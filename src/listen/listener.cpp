#include "listen/listener.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "core/utf8.hpp"
#include "listen/console.hpp"
#include "listen/event_line.hpp"
#include "listen/newest_id_search.hpp"
#include "listen/replay_query.hpp"
#include "listen/setup_problem.hpp"
#include "listen/state_file.hpp"

namespace booking_events::listen {

namespace {

std::int64_t row_id(const std::vector<std::optional<std::string>> &row) {
    std::int64_t id = 0;
    if (!row.empty() && row[0]) {
        const std::string &text = *row[0];
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
        if (error == std::errc() && end == text.data() + text.size()) return id;
    }
    throw SessionError("booking_events_replay() returned a row without an id");
}

std::string events_text(std::size_t count) {
    return std::to_string(count) + (count == 1 ? " event" : " events");
}

}  // namespace

Listener::Listener(const ListenOptions &options, Subscription subscription,
                   std::string resumed_extension_oid)
    : options_(options),
      subscription_(std::move(subscription)),
      tracker_(options.lookback),
      started_(options.since.has_value()),
      resumed_extension_oid_(std::move(resumed_extension_oid)) {
    if (options.since) tracker_.start_after(*options.since);
}

void Listener::catch_up(PgSession &session) {
    const ExtensionLocation location = locate_extension(session);
    // The extension followed so far, or the one the state file was saved from.
    const std::string followed = extension_ ? extension_->extension_oid : resumed_extension_oid_;
    if (!followed.empty() && followed != location.extension_oid) start_over(location);
    extension_ = location;
    reported_missing_ = false;
    if (!started_) note_existing_events(session);
    listen(session);
    const std::int64_t after = tracker_.replay_after();
    const std::size_t printed = replay(session, after);
    print_status("replayed " + events_text(printed) + " after outbox id " + std::to_string(after));
    save_state();
}

void Listener::start_over(const ExtensionLocation &location) {
    print_status("the extension booking_events was dropped and created again (schema " +
                 location.schema +
                 "): its outbox ids start again, so following it from outbox id 0");
    tracker_ = EventTracker(options_.lookback);
    tracker_.start_after(0);
    started_ = true;
}

// Without --since the listener prints what happens from now on. "Now" is
// the newest outbox id this role can see; the matching events of the
// lookback window below it are remembered as existing, so the replay after
// a reconnect, which starts in that window, does not print them as if they
// were new.
void Listener::note_existing_events(PgSession &session) {
    const std::string &schema = extension_->schema;
    const std::int64_t newest = find_newest_outbox_id([&](std::int64_t after) {
        const ReplayQuery probe = replay_query(schema, after, EventFilters{}, 1);
        const Rows rows = session.query("booking_events_replay()", probe.sql, probe.parameters);
        return rows.empty() ? std::nullopt : std::optional<std::int64_t>(row_id(rows[0]));
    });
    tracker_.advance_to(newest);
    for (std::int64_t after = tracker_.replay_after();;) {
        const ReplayQuery page =
            replay_query(schema, after, subscription_.filters, kReplayPageRows);
        const Rows rows = session.query("booking_events_replay()", page.sql, page.parameters);
        for (const auto &row : rows) {
            after = row_id(row);
            // Committed since `newest` was found: new, left to the replay.
            if (after > newest) break;
            tracker_.mark_existing(after);
        }
        if (rows.size() < static_cast<std::size_t>(kReplayPageRows) || after > newest) break;
    }
    started_ = true;
    print_status("starting after outbox id " + std::to_string(newest) + " (--since " +
                 std::to_string(newest) + " would replay from here)");
}

void Listener::listen(PgSession &session) {
    std::string statements;
    std::string names;
    for (const std::string &channel : subscription_.channels) {
        statements += "LISTEN " + session.quote_identifier(channel) + ";";
        names += (names.empty() ? "" : ", ") + channel;
    }
    session.query("LISTEN", statements);
    const std::size_t count = subscription_.channels.size();
    print_status("listening on " + std::to_string(count) +
                 (count == 1 ? " channel: " : " channels: ") + names);
}

// Prints the events after `after` that were not printed before; returns
// how many it printed.
std::size_t Listener::replay(PgSession &session, std::int64_t after) {
    std::size_t printed = 0;
    for (;;) {
        const ReplayQuery page =
            replay_query(extension_->schema, after, subscription_.filters, kReplayPageRows);
        const Rows rows = session.query("booking_events_replay()", page.sql, page.parameters);
        for (const auto &row : rows) {
            after = row_id(row);
            const ParsedEvent parsed =
                parse_event(row.size() > 1 && row[1] ? with_invalid_utf8_replaced(*row[1]) : "");
            if (!parsed.fields) {
                print_status("ignoring a replayed row that is not a booking event: " +
                             parsed.error);
                continue;
            }
            if (!tracker_.first_time(after)) continue;
            print_event_line(event_line(*parsed.fields));
            ++printed;
        }
        if (rows.size() < static_cast<std::size_t>(kReplayPageRows)) return printed;
    }
}

void Listener::follow(PgSession &session) {
    for (;;) {
        std::optional<std::int64_t> lowest_hint;
        for (const ReceivedNotification &notification : session.wait_for_notifications()) {
            const std::optional<std::int64_t> hint = hinted_outbox_id(notification.payload);
            // Only a hint that makes the replay look back counts: an ignored
            // one (forged, say) must not hide a useful one.
            if (hint && tracker_.replay_after_hint(hint) < tracker_.newest() &&
                (!lowest_hint || *hint < *lowest_hint))
                lowest_hint = hint;
        }
        const std::optional<std::string> extension_oid = current_extension_oid(session);
        if (!extension_oid) {
            // Between DROP and CREATE EXTENSION, or a NOTIFY from anyone.
            if (!reported_missing_)
                print_status(
                    "the extension booking_events is not installed now; waiting for "
                    "CREATE EXTENSION");
            reported_missing_ = true;
            continue;
        }
        reported_missing_ = false;
        if (*extension_oid != extension_->extension_oid) {
            const ExtensionLocation location = locate_extension(session);
            start_over(location);
            extension_ = location;
        }
        replay(session, tracker_.replay_after_hint(lowest_hint));
        save_state();
    }
}

void Listener::save_state() {
    // Before the first connection there is nothing new to save.
    if (options_.state_file.empty() || !extension_) return;
    auto state = std::make_pair(tracker_.newest(), extension_->extension_oid);
    if (saved_ == state) return;
    write_state_file(options_.state_file, ListenerState{state.first, state.second});
    saved_ = std::move(state);
}

}  // namespace booking_events::listen

namespace booking_events::listen {

std::optional<std::string> Listener::setup_problem(const SessionError &error) const {
    return failed_statement_problem(error.sqlstate(), error.what(),
                                    extension_ ? extension_->role : "this role",
                                    extension_ ? extension_->schema : "its schema");
}

}  // namespace booking_events::listen
