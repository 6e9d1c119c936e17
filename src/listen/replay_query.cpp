#include "listen/replay_query.hpp"

namespace booking_events::listen {

namespace {

std::optional<std::string> array_parameter(const std::vector<std::string> &values) {
    if (values.empty()) return std::nullopt;
    return text_array_literal(values);
}

}  // namespace

std::string text_array_literal(const std::vector<std::string> &values) {
    std::string literal = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) literal += ',';
        literal += '"';
        for (const char c : values[i]) {
            if (c == '"' || c == '\\') literal += '\\';
            literal += c;
        }
        literal += '"';
    }
    literal += '}';
    return literal;
}

ReplayQuery replay_query(const std::string &schema, std::int64_t after_id,
                         const EventFilters &filters, int max_rows) {
    return ReplayQuery{"SELECT r.id, r.notification::pg_catalog.text FROM " + schema +
                           ".booking_events_replay($1::pg_catalog.int8, $2::pg_catalog.text[], "
                           "$3::pg_catalog.text[], $4::pg_catalog.text[], $5::pg_catalog.text[], "
                           "$6::pg_catalog.int4) AS r",
                       {std::to_string(after_id), array_parameter(filters.booking_ids),
                        array_parameter(filters.user_ids), array_parameter(filters.client_ids),
                        array_parameter(filters.provider_ids), std::to_string(max_rows)}};
}

}  // namespace booking_events::listen
