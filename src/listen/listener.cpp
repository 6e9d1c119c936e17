#include "listen/listener.hpp"

#include <charconv>
#include <string>
#include <utility>

#include "listen/console.hpp"
#include "listen/event_line.hpp"
#include "listen/newest_id_search.hpp"
#include "listen/replay_query.hpp"

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

}  // namespace

Listener::Listener(const ListenOptions &options, Subscription subscription)
    : subscription_(std::move(subscription)),
      tracker_(options.lookback),
      started_(options.since.has_value()) {
    if (options.since) tracker_.start_after(*options.since);
}

void Listener::catch_up(PgSession &session) {
    if (!started_) note_existing_events(session);
    listen(session);
    const std::int64_t after = tracker_.replay_after();
    const std::size_t printed = replay(session);
    print_status("replayed " + std::to_string(printed) + (printed == 1 ? " event" : " events") +
                 " after outbox id " + std::to_string(after));
}

// Without --since the listener prints what happens from now on. "Now" is
// the newest outbox id; the matching events of the lookback window below it
// are remembered as existing, so the replay after a reconnect, which starts
// in that window, does not print them as if they were new.
void Listener::note_existing_events(PgSession &session) {
    const std::int64_t newest = find_newest_outbox_id([&](std::int64_t after) {
        const ReplayQuery probe = replay_query(after, EventFilters{}, 1);
        const Rows rows = session.query("booking_events_replay()", probe.sql, probe.parameters);
        return rows.empty() ? std::nullopt : std::optional<std::int64_t>(row_id(rows[0]));
    });
    tracker_.advance_to(newest);
    for (std::int64_t after = tracker_.replay_after();;) {
        const ReplayQuery page = replay_query(after, subscription_.filters, kReplayPageRows);
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

std::size_t Listener::replay(PgSession &session) {
    std::size_t printed = 0;
    for (std::int64_t after = tracker_.replay_after();;) {
        const ReplayQuery page = replay_query(after, subscription_.filters, kReplayPageRows);
        const Rows rows = session.query("booking_events_replay()", page.sql, page.parameters);
        for (const auto &row : rows) {
            after = row_id(row);
            if (offer("a replayed row", row.size() > 1 && row[1] ? *row[1] : "", nullptr))
                ++printed;
        }
        if (rows.size() < static_cast<std::size_t>(kReplayPageRows)) return printed;
    }
}

void Listener::follow(PgSession &session) {
    for (;;) {
        for (const ReceivedNotification &notification : session.wait_for_notifications())
            offer("a notification on " + notification.channel, notification.payload,
                  &notification.channel);
    }
}

// Prints the event in `json` unless it was printed before; true when it
// printed. `channel` is where a notification arrived (nullptr for a
// replayed row, which the replay already filtered).
bool Listener::offer(const std::string &origin, const std::string &json,
                     const std::string *channel) {
    const ParsedEvent parsed = parse_event(json);
    if (!parsed.fields) {
        print_status("ignoring " + origin + " that is not a booking event: " + parsed.error);
        return false;
    }
    const NotificationFields &event = *parsed.fields;
    if (channel != nullptr && !subscription_.accepts(*channel, event)) return false;
    if (!tracker_.first_time(event.outbox_id)) return false;
    print_event_line(event_line(event));
    return true;
}

}  // namespace booking_events::listen
