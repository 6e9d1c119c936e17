#include "listen/options.hpp"

#include <charconv>
#include <cstring>
#include <string_view>

namespace booking_events::listen {

namespace {

// A non-negative decimal integer, nothing else (no sign, no spaces).
std::optional<std::int64_t> parse_count(std::string_view text) {
    if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::vector<std::string> *filter_list(EventFilters &filters, std::string_view name) {
    if (name == "--booking") return &filters.booking_ids;
    if (name == "--user") return &filters.user_ids;
    if (name == "--client") return &filters.client_ids;
    if (name == "--provider") return &filters.provider_ids;
    return nullptr;
}

ParsedOptions failure(std::string message) {
    return ParsedOptions{std::nullopt, std::move(message)};
}

}  // namespace

ParsedOptions parse_listen_options(const std::vector<std::string> &arguments) {
    ListenOptions options;
    bool dsn_given = false;
    bool lookback_given = false;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string &argument = arguments[i];
        if (argument == "--help") {
            options.show_help = true;
            continue;
        }
        if (argument == "--version") {
            options.show_version = true;
            continue;
        }
        if (argument.rfind("--", 0) != 0) return failure("unexpected argument '" + argument + "'");

        const std::size_t equals = argument.find('=');
        const std::string name = argument.substr(0, equals);
        const bool takes_value = name == "--dsn" || name == "--since" || name == "--lookback" ||
                                 name == "--state-file" ||
                                 filter_list(options.filters, name) != nullptr;
        if (name == "--help" || name == "--version")
            return failure("option '" + name + "' takes no value");
        if (!takes_value) return failure("unknown option '" + name + "'");
        std::string value;
        if (equals != std::string::npos) {
            value = argument.substr(equals + 1);
        } else if (i + 1 < arguments.size()) {
            value = arguments[++i];
        } else {
            return failure("option '" + name + "' needs a value");
        }

        if (name == "--dsn") {
            if (dsn_given) return failure("option '--dsn' is given twice");
            dsn_given = true;
            options.dsn = value;
        } else if (name == "--since") {
            if (options.since) return failure("option '--since' is given twice");
            options.since = parse_count(value);
            if (!options.since)
                return failure("--since needs an outbox id (a whole number >= 0), not '" + value +
                               "'");
        } else if (name == "--state-file") {
            if (!options.state_file.empty()) return failure("option '--state-file' is given twice");
            if (value.empty()) return failure("option '--state-file' needs a file name");
            options.state_file = value;
        } else if (name == "--lookback") {
            if (lookback_given) return failure("option '--lookback' is given twice");
            lookback_given = true;
            const std::optional<std::int64_t> lookback = parse_count(value);
            if (!lookback || *lookback > kMaxLookback)
                return failure("--lookback needs a whole number from 0 to " +
                               std::to_string(kMaxLookback) + ", not '" + value + "'");
            options.lookback = *lookback;
        } else {
            if (value.empty()) return failure("option '" + name + "' needs a non-empty id");
            filter_list(options.filters, name)->push_back(value);
        }
    }
    return ParsedOptions{std::move(options), ""};
}

std::string listen_usage() {
    return R"(Usage: booking-events-listen [OPTION]...

Follows booking events as they are committed and prints one JSON line per
event on stdout. Status messages go to stderr. When the connection drops it
reconnects and replays what it missed, so no committed event is skipped and
none is printed twice.

Options:
  --dsn CONNINFO     libpq connection string or URI (default: the PG*
                     environment variables, as psql)
  --booking ID       events of this booking
  --user ID          events written by this user (the user_id column)
  --client ID        events of bookings of this client
  --provider ID      events of bookings of this provider
                     Filters can be repeated and mixed; an event that matches
                     several of them is printed once. Without a filter every
                     event is printed.
  --since OUTBOX_ID  first print the events after this outbox id (the "id" of
                     a line printed earlier; 0 for all that are kept), then
                     follow. Without it only new events are printed.
  --state-file FILE  keep the outbox id reached in FILE (replaced atomically
                     after each batch of events) and, when FILE exists and
                     --since is not given, resume after the id it holds
  --lookback N       after a reconnect, also look for events up to N outbox
                     ids below the newest one seen, for transactions that
                     committed late (default 10000, at most 1000000)
  --help             show this help and exit
  --version          show the version and exit

The extension's schema is found in the catalogs: the DSN needs no
search_path. The role needs USAGE on that schema, EXECUTE on
booking_events_replay() and SELECT on the bookings table, whose row-level
security policies choose the events it sees (booking_events_grant(role,
'listener') grants the first two). A notification only wakes the listener:
every printed event is read through booking_events_replay().
Give the password in ~/.pgpass (or PGPASSFILE) or PGPASSWORD rather than in
--dsn; a --dsn value is hidden from ps once read, not before.
The session shows in the booking_events_listeners view (application_name
booking-events-listen). After DROP and CREATE EXTENSION it starts over from
outbox id 0. On SIGINT or SIGTERM it prints the outbox id to resume from.
Exit status: 0 after SIGINT or SIGTERM, 1 when the extension is missing or
the role lacks a grant (the message names it), 2 for bad arguments.

Example:
  booking-events-listen --dsn 'host=db.internal dbname=app user=listener' \
      --booking c0000000-0000-4000-8000-000000000003 --user a0000000-0000-4000-8000-000000000001
  {"booking_id":"c0000000-0000-4000-8000-000000000003","client_id":"...","created_at":"2026-01-17T10:15:30.123Z","description":"Confirmed","event_id":"b1284b5c-...","event_type":"booking.confirmed","id":1207,"provider_id":"...","user_id":"a0000000-..."}
)";
}

void hide_dsn_arguments(int argc, char **argv) {
    for (int i = 1; i < argc; ++i) {
        char *value = nullptr;
        if (std::strcmp(argv[i], "--dsn") == 0 && i + 1 < argc)
            value = argv[++i];
        else if (std::strncmp(argv[i], "--dsn=", 6) == 0)
            value = argv[i] + 6;
        if (value != nullptr) std::memset(value, '*', std::strlen(value));
    }
}

}  // namespace booking_events::listen
