// What the delivery worker's and the recorder's processes do first and
// last (worker_main.cpp, recorder_main.cpp): connect to their database,
// take their place in shared memory or leave if another process holds it,
// and run their loop inside the one boundary between C++ and PostgreSQL of
// the process.
#pragma once

#include <exception>

#include "pg/boundary.hpp"

namespace booking_events {

// Connects this background worker to `database_oid` as "booking_events
// <role>" (its application_name; the log lines name it too), with the
// worker's signal handlers and session settings. `take_place()` registers
// it in shared memory; when another live process holds the place (`held_by`
// names it in the log) this one exits with code 0. `leave_place` runs at
// exit.
void enter_database_process(Oid database_oid, const char *role, bool (*take_place)(Oid),
                            const char *held_by, pg_on_exit_callback leave_place);

// Runs `loop` as the process's one boundary: an exception, or an error
// that escapes the loop's own recovery, is raised only after every C++
// object of the loop is gone (it then ends the process with exit code 1).
template <typename Loop>
void run_at_process_boundary(Loop &&loop) {
    PendingError pending;
    pending.raised = false;
    try {
        loop();
    } catch (...) {
        remember_exception(pending, std::current_exception());
    }
    if (pending.raised) raise_pending_error(pending);
}

}  // namespace booking_events
