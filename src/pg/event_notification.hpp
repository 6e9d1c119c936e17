// The real-time notification of a captured event (see pending_notifications
// for when it is sent).
#pragma once

#include "core/notification.hpp"

namespace booking_events {

// The event's notifications, in the database encoding, queued for commit.
// Never fails the user's statement over NOTIFY's limits. Throws PgError.
void publish_notification(const NotificationFields &fields);

}  // namespace booking_events
