// Which database an event was written in. A dump restored elsewhere (another
// database, another cluster) carries events written by production; they are
// held back until a DBA adopts them with booking_events_adopt(), so a staging
// copy never calls production's receivers on its own.
#pragma once

#include "pg/extension_catalog.hpp"

namespace booking_events {

// True while the outbox holds pending events written in another database
// (the worker then sends nothing). Logs once when holding starts and once
// when it ends. Runs inside the worker's transaction, with SPI connected.
bool holding_copied_events(const ExtensionInfo &extension);

}  // namespace booking_events
