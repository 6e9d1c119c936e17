// The delivery worker's process: it connects to its database, announces
// itself and runs the delivery loop (delivery_worker.cpp) inside the one
// boundary between C++ and PostgreSQL of this process.
#include "pg/process_entry.hpp"
#include "pg/shared_state.hpp"
#include "pg/worker_entry.hpp"

void booking_events_worker_main(Datum database_oid_datum) {
    using namespace booking_events;
    enter_database_process(DatumGetObjectId(database_oid_datum), "worker", register_delivery_worker,
                           "delivery worker", [](int, Datum) { unregister_delivery_worker(); });
    // An error that escapes the loop's own recovery ends the worker with
    // exit code 1 and the launcher starts a new one after a pause.
    run_at_process_boundary([] { run_delivery_worker(); });
    ereport(LOG, (errmsg("booking_events worker shutting down")));
    // Exit code 1 after a hand-over: the launcher starts the fresh worker.
    proc_exit(ShutdownRequestPending ? 0 : 1);
}
