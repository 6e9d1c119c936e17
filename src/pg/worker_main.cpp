// The delivery worker's process: it connects to its database, announces
// itself and runs the delivery loop (delivery_worker.cpp) inside the one
// boundary between C++ and PostgreSQL of this process.
#include "pg/boundary.hpp"
#include "pg/settings.hpp"
#include "pg/shared_state.hpp"
#include "pg/worker_entry.hpp"
#include "pg/worker_session.hpp"

void booking_events_worker_main(Datum database_oid_datum) {
    using namespace booking_events;
    const Oid database_oid = DatumGetObjectId(database_oid_datum);
    install_worker_signal_handlers();
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnectionByOid(database_oid, InvalidOid, 0);
    pgstat_report_appname("booking_events worker");
    configure_worker_session();
    if (!register_delivery_worker(database_oid)) {
        ereport(LOG,
                (errmsg("booking_events worker: another delivery worker is running; exiting")));
        proc_exit(0);
    }
    before_shmem_exit([](int, Datum) { unregister_delivery_worker(); }, (Datum)0);
    ereport(LOG,
            (errmsg("booking_events worker started for database \"%s\"", setting_database_name)));

    // The one boundary of this process: an error that escapes the loop's own
    // recovery ends the worker with exit code 1 and the launcher starts a new
    // one after a pause.
    PendingError pending;
    pending.raised = false;
    try {
        run_delivery_worker();
    } catch (...) {
        remember_exception(pending, std::current_exception());
    }
    if (pending.raised) raise_pending_error(pending);
    ereport(LOG, (errmsg("booking_events worker shutting down")));
    // Exit code 1 after a hand-over: the launcher starts the fresh worker.
    proc_exit(ShutdownRequestPending ? 0 : 1);
}
