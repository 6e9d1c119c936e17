#include "core/batch_body.hpp"

#include <stdexcept>

namespace booking_events {

std::optional<std::string> batch_max_problem(long long batch_max) {
    if (batch_max >= 1 && batch_max <= kMaxBatchMax) return std::nullopt;
    return "batch_max must be between 1 and " + std::to_string(kMaxBatchMax) + " (got " +
           std::to_string(batch_max) + ")";
}

bool is_canonical_uuid(std::string_view text) {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

namespace {

bool looks_like_json_object(std::string_view body) {
    return body.size() >= 2 && body.front() == '{' && body.back() == '}';
}

}  // namespace

std::string build_batch_body(std::string_view batch_id,
                             const std::vector<std::string_view> &event_bodies) {
    if (!is_canonical_uuid(batch_id))
        throw std::invalid_argument("batch_id is not a canonical UUID");
    if (event_bodies.empty()) throw std::invalid_argument("a batch needs at least one event");
    std::size_t size = 40 + batch_id.size();
    for (std::string_view body : event_bodies) {
        if (!looks_like_json_object(body))
            throw std::invalid_argument("an event body in a batch is not a JSON object");
        size += body.size() + 1;
    }
    std::string out;
    out.reserve(size);
    out += "{\"batch_id\":\"";
    out += batch_id;
    out += "\",\"events\":[";
    for (std::size_t i = 0; i < event_bodies.size(); ++i) {
        if (i > 0) out += ',';
        out += event_bodies[i];
    }
    out += "]}";
    return out;
}

}  // namespace booking_events
