#include "pg/event_notification.hpp"

#include <utility>

#include "pg/pending_notifications.hpp"
#include "pg/settings.hpp"

namespace booking_events {

void publish_notification(NotificationFields fields) {
    // A hint unless a superuser opted into full payloads: any role may LISTEN.
    queue_notification(std::move(fields), setting_notify_full_payload);
}

}  // namespace booking_events
