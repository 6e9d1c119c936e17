#include "pg/process_entry.hpp"

#include "pg/settings.hpp"
#include "pg/worker_session.hpp"

namespace booking_events {

void enter_database_process(Oid database_oid, const char *role, bool (*take_place)(Oid),
                            const char *held_by, pg_on_exit_callback leave_place) {
    install_worker_signal_handlers();
    BackgroundWorkerUnblockSignals();
    // A reload the postmaster passed on between forking this process and
    // the handler above is lost (StartBackgroundWorker ignores SIGHUP until
    // then, and an ignored pending signal is dropped), and the process keeps
    // the settings it was forked with: `paused = on`, a reload, `RESET
    // paused`, a reload, with the worker starting in between, left it paused
    // until the next reload (TAP 074). The first pass reads the files.
    ConfigReloadPending = true;
    BackgroundWorkerInitializeConnectionByOid(database_oid, InvalidOid, 0);
    pgstat_report_appname(psprintf("booking_events %s", role));
    configure_worker_session();
    if (!take_place(database_oid)) {
        ereport(LOG, (errmsg("booking_events %s: another %s is running; exiting", role, held_by)));
        proc_exit(0);
    }
    before_shmem_exit(leave_place, (Datum)0);
    ereport(LOG,
            (errmsg("booking_events %s started for database \"%s\"", role, setting_database_name)));
}

}  // namespace booking_events
