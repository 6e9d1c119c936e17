// The event context the payload tests build their events with.
#pragma once

#include "core/event_payload.hpp"

namespace booking_events::test_support {

inline EventContext example_context() {
    EventContext context;
    context.event_id = "0b7a5c1e-2f3d-4a4b-9c8d-0123456789ab";
    // date -u -d '2026-01-17 10:15:30 UTC' +%s  -> 1768644930
    context.event_time_unix_ms = 1768644930123LL;
    context.source = "contract-management-system";
    context.environment = "production";
    context.database = "app";
    context.version = "1.0.0";
    return context;
}

}  // namespace booking_events::test_support
