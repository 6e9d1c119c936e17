// One booking event as the listener prints it. A live notification and a
// replayed row of the same event carry the same fields in different JSON
// (key order, spacing, a description shortened only in the notification);
// both become the same line, so a consumer can compare lines.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/notification.hpp"

namespace booking_events::listen {

struct ParsedEvent {
    std::optional<NotificationFields> fields;  // set exactly when `error` is empty
    std::string error;
};

// Reads the JSON of a NOTIFY payload or of booking_events_replay()'s
// `notification` column: an object with an integer `id`, strings
// `event_id`, `event_type`, `created_at`, and `booking_id`, `user_id`,
// `client_id`, `provider_id`, `description` as strings or null.
ParsedEvent parse_event(const std::string &json);

// The outbox id a notification's payload names ("id", a positive integer),
// whatever else it holds; nullopt when it names none. Only ever a hint.
std::optional<std::int64_t> hinted_outbox_id(const std::string &payload);

// Compact JSON, keys sorted, exactly as the trigger renders the payload
// (including its size limit), without a newline.
std::string event_line(const NotificationFields &event);

}  // namespace booking_events::listen
