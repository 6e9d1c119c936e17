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

ReplayQuery replay_query(std::int64_t after_id, const EventFilters &filters, int max_rows) {
    return ReplayQuery{
        "SELECT id, notification::text FROM booking_events_replay($1::bigint, $2::text[], "
        "$3::text[], $4::text[], $5::text[], $6::int)",
        {std::to_string(after_id), array_parameter(filters.booking_ids),
         array_parameter(filters.user_ids), array_parameter(filters.client_ids),
         array_parameter(filters.provider_ids), std::to_string(max_rows)}};
}

}  // namespace booking_events::listen
