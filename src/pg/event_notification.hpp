// The real-time notification of a captured event (see pending_notifications
// for when it is sent).
#pragma once

#include "core/notification.hpp"

namespace booking_events {

// The event's notifications, queued for commit (pending_notifications.hpp).
// Never fails the user's statement over NOTIFY's limits.
void publish_notification(NotificationFields fields);

}  // namespace booking_events
