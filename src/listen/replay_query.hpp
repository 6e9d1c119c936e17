// The call of booking_events_replay() that fetches one page of the events a
// listener missed, as SQL text and libpq parameters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "listen/options.hpp"

namespace booking_events::listen {

// One call returns at most this many rows; the listener asks again after
// the last id until a page comes back shorter.
inline constexpr int kReplayPageRows = 1000;

struct ReplayQuery {
    std::string sql;
    std::vector<std::optional<std::string>> parameters;  // nullopt is SQL NULL
};

// Rows (id bigint, notification text), oldest first. `schema` is the
// extension's schema, already quoted as an identifier: the call does not
// depend on the connection's search_path.
ReplayQuery replay_query(const std::string &schema, std::int64_t after_id,
                         const EventFilters &filters, int max_rows);

// A text[] literal: every element double-quoted, with '"' and '\' escaped.
std::string text_array_literal(const std::vector<std::string> &values);

}  // namespace booking_events::listen
