// What DROP EXTENSION and DROP DATABASE do to the events: a warning with the
// count of events a DROP EXTENSION discards, and a delivery worker that
// leaves a database being dropped instead of blocking the drop.
#pragma once

namespace booking_events {

// Installs the ProcessUtility hook; called from _PG_init in every backend.
void install_drop_guard();

}  // namespace booking_events
