// The command line of booking-events-listen: what to follow, where to start,
// how far to look back after a reconnect.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace booking_events::listen {

// An event is printed when it matches any filter; no filter means every event.
struct EventFilters {
    std::vector<std::string> booking_ids;
    std::vector<std::string> user_ids;
    std::vector<std::string> client_ids;
    std::vector<std::string> provider_ids;

    bool empty() const {
        return booking_ids.empty() && user_ids.empty() && client_ids.empty() &&
               provider_ids.empty();
    }
};

// Large enough for a busy outbox during a long outage, small enough that the
// remembered ids (at most one per outbox id of the window) stay in memory.
inline constexpr std::int64_t kDefaultLookback = 10000;
inline constexpr std::int64_t kMaxLookback = 1000000;

struct ListenOptions {
    std::string dsn;  // empty: libpq's defaults (PGHOST, PGDATABASE, ...)
    EventFilters filters;
    std::optional<std::int64_t> since;  // print the events after this outbox id first
    std::string state_file;             // empty: none
    std::int64_t lookback = kDefaultLookback;
    bool show_help = false;
    bool show_version = false;
};

struct ParsedOptions {
    std::optional<ListenOptions> options;  // set exactly when `error` is empty
    std::string error;
};

// `arguments` are argv[1..]. Options take their value as the next argument
// or after '=' (--since=42).
ParsedOptions parse_listen_options(const std::vector<std::string> &arguments);

// The --help text.
std::string listen_usage();

// Overwrites the value of every --dsn in argv (as the next argument or
// after '=') with '*', so that `ps` and /proc/PID/cmdline no longer show a
// password. Call it after the arguments were copied and parsed.
void hide_dsn_arguments(int argc, char **argv);

}  // namespace booking_events::listen
