// An event's time as the contract writes it: UTC, milliseconds, "Z".
#pragma once

#include <cstdint>
#include <string>

namespace booking_events {

// "2026-01-17T10:15:30.123Z" for any millisecond since 1970 (the year is
// written with at least four digits, a minus sign counting as one, as
// printf's "%04lld" writes it). Arithmetic only: the trigger formats one
// per event, and gmtime_r with snprintf cost it ~4.5k instructions each.
std::string format_event_time(std::int64_t unix_ms);

}  // namespace booking_events
