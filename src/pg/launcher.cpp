// The launcher: a worker connected to no database that starts the delivery
// worker for booking_events.database_name once that database exists, and
// starts it again after it stops. A missing database therefore means a
// quiet wait with one log line, not a crash loop of FATAL connection errors.
//
// Plain PostgreSQL code with no C++ objects, so errors may longjmp freely.
#include "pg/settings.hpp"
#include "pg/shared_state.hpp"
#include "pg/worker_entry.hpp"

namespace booking_events {

namespace {

// Shortest pause between two starts of the delivery worker, so a worker
// that keeps failing does not spin.
constexpr long kRestartPauseMs = 5000;
// How often a missing database is looked for again.
constexpr long kDatabaseRecheckMs = 2000;

BackgroundWorkerHandle *start_delivery_worker(Oid database_oid) {
    BackgroundWorker worker;
    memset(&worker, 0, sizeof(worker));
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;
    strlcpy(worker.bgw_library_name, "booking_events", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "booking_events_worker_main", BGW_MAXLEN);
    strlcpy(worker.bgw_name, "booking_events worker", BGW_MAXLEN);
    strlcpy(worker.bgw_type, "booking_events worker", BGW_MAXLEN);
    worker.bgw_main_arg = ObjectIdGetDatum(database_oid);
    worker.bgw_notify_pid = MyProcPid;
    BackgroundWorkerHandle *handle = nullptr;
    if (!RegisterDynamicBackgroundWorker(&worker, &handle)) {
        ereport(WARNING, (errmsg("booking_events launcher: could not start the delivery worker"),
                          errhint("Raise max_worker_processes.")));
        return nullptr;
    }
    return handle;
}

// A plain scan of pg_database, as the autovacuum launcher does: without a
// database of its own, the launcher cannot use catalog indexes.
Oid find_database(const char *name) {
    Oid found = InvalidOid;
    StartTransactionCommand();
    Relation catalog = table_open(DatabaseRelationId, AccessShareLock);
    TableScanDesc scan = table_beginscan_catalog(catalog, 0, nullptr);
    HeapTuple tuple;
    while ((tuple = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
        auto *row = reinterpret_cast<Form_pg_database>(GETSTRUCT(tuple));
        if (strcmp(NameStr(row->datname), name) == 0 && row->datallowconn) {
            found = row->oid;
            break;
        }
    }
    table_endscan(scan);
    table_close(catalog, AccessShareLock);
    CommitTransactionCommand();
    return found;
}

}  // namespace

void register_launcher() {
    BackgroundWorker worker;
    memset(&worker, 0, sizeof(worker));
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = 5;
    strlcpy(worker.bgw_library_name, "booking_events", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "booking_events_launcher_main", BGW_MAXLEN);
    strlcpy(worker.bgw_name, "booking_events launcher", BGW_MAXLEN);
    strlcpy(worker.bgw_type, "booking_events launcher", BGW_MAXLEN);
    RegisterBackgroundWorker(&worker);
}

}  // namespace booking_events

void booking_events_launcher_main(Datum) {
    using namespace booking_events;
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);
    register_launcher_latch();

    BackgroundWorkerHandle *worker = nullptr;
    TimestampTz last_start = 0;
    bool waiting_logged = false;
    while (!ShutdownRequestPending) {
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        long timeout = -1;
        if (worker != nullptr) {
            pid_t pid = 0;
            const BgwHandleStatus status = GetBackgroundWorkerPid(worker, &pid);
            if (status == BGWH_STOPPED || status == BGWH_POSTMASTER_DIED) {
                pfree(worker);
                worker = nullptr;
            }
        }
        if (worker == nullptr) {
            const Oid database = find_database(setting_database_name);
            const long since_start_ms =
                last_start == 0 ? kRestartPauseMs
                                : static_cast<long>((GetCurrentTimestamp() - last_start) / 1000);
            if (read_worker_status().running) {
                // A worker started by an earlier launcher (this one was
                // restarted) is still delivering: it sets our latch when it
                // stops.
                timeout = kDatabaseRecheckMs * 5;
            } else if (!OidIsValid(database)) {
                if (!waiting_logged)
                    ereport(LOG, (errmsg("booking_events launcher: database \"%s\" does not exist; "
                                         "waiting for it to be created",
                                         setting_database_name)));
                waiting_logged = true;
                timeout = kDatabaseRecheckMs;
            } else if (since_start_ms < kRestartPauseMs) {
                timeout = kRestartPauseMs - since_start_ms;
            } else {
                waiting_logged = false;
                worker = start_delivery_worker(database);
                last_start = GetCurrentTimestamp();
                if (worker == nullptr) timeout = kRestartPauseMs;
            }
        }
        // The postmaster signals us (bgw_notify_pid) when the worker starts
        // or stops, which sets the latch.
        (void)WaitLatch(MyLatch,
                        WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | (timeout >= 0 ? WL_TIMEOUT : 0),
                        timeout, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
    // Exit code 1 lets the postmaster start the launcher again after
    // bgw_restart_time: a launcher stopped by pg_terminate_backend comes back.
    // At server shutdown nothing is restarted whatever the code.
    proc_exit(1);
}
