#include "pg/event_notification.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "pg/boundary.hpp"
#include "pg/encoding.hpp"
#include "pg/pending_notifications.hpp"
#include "pg/settings.hpp"

namespace booking_events {

// Nothing here may fail the user's statement: the limits NOTIFY enforces
// with an ERROR are checked first, and what would break them is left out.
void publish_notification(const NotificationFields &fields) {
    const std::vector<std::string> channels = notification_channels(fields);
    // A hint unless a superuser opted into full payloads: any role may LISTEN.
    const std::string payload =
        setting_notify_full_payload ? notification_payload(fields) : notification_hint(fields);
    const char *server_payload = nullptr;
    std::vector<const char *> server_channels(channels.size(), nullptr);
    pg_call([&] {
        server_payload = utf8_to_server(payload.c_str(), payload.size());
        for (std::size_t i = 0; i < channels.size(); ++i)
            server_channels[i] = utf8_to_server(channels[i].c_str(), channels[i].size());
    });
    if (strlen(server_payload) > kNotifyPayloadMaxBytes) return;
    std::vector<std::string> accepted;
    for (const char *channel : server_channels)
        if (strlen(channel) < NAMEDATALEN) accepted.emplace_back(channel);
    queue_notifications(std::move(accepted), server_payload);
}

}  // namespace booking_events
