// The real-time notification of an event: which NOTIFY channels it goes to
// and its compact JSON payload, kept under PostgreSQL's limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace booking_events {

// NOTIFY refuses a payload of 8000 bytes or more, and a channel name longer
// than NAMEDATALEN - 1 bytes; both are restated here because PostgreSQL keeps
// them private.
inline constexpr std::size_t kNotifyPayloadMaxBytes = 7999;
inline constexpr std::size_t kChannelNameMaxBytes = 63;
inline constexpr const char *kAllEventsChannel = "booking_events";

struct NotificationFields {
    std::int64_t outbox_id = 0;
    std::string event_id;
    std::string event_type;
    std::optional<std::string> booking_id;
    std::optional<std::string> user_id;
    std::optional<std::string> client_id;
    std::optional<std::string> provider_id;
    std::optional<std::string> description;
    std::string created_at;
};

// booking_events, then booking_events:booking:<id>, :user:, :client:,
// :provider: for the ids that are known; names over the limit are left out.
std::vector<std::string> notification_channels(const NotificationFields &fields);

// What every notification carries by default: {"event_type":...,"id":...}.
// Any connected role can LISTEN on any channel, so the payload says only
// that something happened; the event itself is read through
// booking_events_replay(), which checks who may see it. An event type too
// long for the limit is shortened (on a character boundary).
std::string notification_hint(const NotificationFields &fields,
                              std::size_t max_bytes = kNotifyPayloadMaxBytes);

// The opt-in full payload (booking_events.notify_full_payload), and the line
// booking-events-listen prints: compact JSON with every field (null when
// unknown). When it would exceed
// `max_bytes`, the description is shortened first (on a UTF-8 character
// boundary, ending in "..."), then the longest other optional fields become
// null, so the notification always goes out.
std::string notification_payload(const NotificationFields &fields,
                                 std::size_t max_bytes = kNotifyPayloadMaxBytes);

// The longest prefix of `text` of at most `max_bytes` bytes that does not cut
// a UTF-8 sequence.
std::string utf8_prefix(const std::string &text, std::size_t max_bytes);

}  // namespace booking_events
