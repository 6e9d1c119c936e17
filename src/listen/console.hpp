// Where the listener writes: events on stdout, one line each, flushed at
// once so a pipe sees every event as it happens; status messages on stderr.
#pragma once

#include <string>

namespace booking_events::listen {

void print_event_line(const std::string &line);

// "booking-events-listen: <message>"
void print_status(const std::string &message);

}  // namespace booking_events::listen
