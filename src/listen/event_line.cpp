#include "listen/event_line.hpp"

#include <nlohmann/json.hpp>

namespace booking_events::listen {

namespace {

ParsedEvent invalid(std::string reason) { return ParsedEvent{std::nullopt, std::move(reason)}; }

// Empty when `value` has the right type, otherwise why not.
std::string read_string(const nlohmann::json &object, const char *key, std::string &out) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string())
        return std::string("\"") + key + "\" is not a string";
    out = it->get<std::string>();
    return "";
}

std::string read_optional_string(const nlohmann::json &object, const char *key,
                                 std::optional<std::string> &out) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        out.reset();
        return "";
    }
    if (!it->is_string()) return std::string("\"") + key + "\" is neither a string nor null";
    out = it->get<std::string>();
    return "";
}

}  // namespace

ParsedEvent parse_event(const std::string &json) {
    const nlohmann::json object = nlohmann::json::parse(json, nullptr, false);
    if (object.is_discarded()) return invalid("not JSON");
    if (!object.is_object()) return invalid("not a JSON object");

    NotificationFields event;
    const auto id = object.find("id");
    if (id == object.end() || !id->is_number_integer()) return invalid("\"id\" is not an integer");
    event.outbox_id = id->get<std::int64_t>();
    for (const std::string &problem :
         {read_string(object, "event_id", event.event_id),
          read_string(object, "event_type", event.event_type),
          read_string(object, "created_at", event.created_at),
          read_optional_string(object, "booking_id", event.booking_id),
          read_optional_string(object, "user_id", event.user_id),
          read_optional_string(object, "client_id", event.client_id),
          read_optional_string(object, "provider_id", event.provider_id),
          read_optional_string(object, "description", event.description)}) {
        if (!problem.empty()) return invalid(problem);
    }
    return ParsedEvent{std::move(event), ""};
}

std::optional<std::int64_t> hinted_outbox_id(const std::string &payload) {
    const nlohmann::json object = nlohmann::json::parse(payload, nullptr, false);
    if (!object.is_object()) return std::nullopt;
    const auto id = object.find("id");
    if (id == object.end() || !id->is_number_integer()) return std::nullopt;
    const std::int64_t value = id->get<std::int64_t>();
    if (value <= 0) return std::nullopt;
    return value;
}

std::string event_line(const NotificationFields &event) { return notification_payload(event); }

}  // namespace booking_events::listen
