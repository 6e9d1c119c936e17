// SIGINT and SIGTERM end the listener cleanly. The handler only records the
// request and writes a byte to a pipe that every wait of the listener polls
// along with its socket, so a blocked poll() returns at once.
#pragma once

namespace booking_events::listen {

// Throws std::system_error when the pipe or the handlers cannot be set up.
void install_stop_signal_handlers();

// Readable once a stop was requested.
int stop_signal_fd();

bool stop_requested();

// The signal that asked to stop (0 when none).
int stop_signal_number();

}  // namespace booking_events::listen
