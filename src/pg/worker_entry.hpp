// Entry points the postmaster starts by name (bgw_function_name).
#pragma once

#include "pg/postgres_headers.hpp"

extern "C" {
PGDLLEXPORT void booking_events_launcher_main(Datum argument);
PGDLLEXPORT void booking_events_worker_main(Datum database_oid);
PGDLLEXPORT void booking_events_recorder_main(Datum database_oid);
}

namespace booking_events {

// Registers the static launcher; called from _PG_init during preload.
void register_launcher();

// The delivery loop (delivery_worker.cpp): returns when the worker is asked
// to stop or hands over to a fresh one.
void run_delivery_worker();

}  // namespace booking_events
