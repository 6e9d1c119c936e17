// The launcher: a worker connected to no database that starts the delivery
// worker for booking_events.database_name once that database exists, and
// starts it again after it stops. A missing database therefore means a
// quiet wait with one log line, not a crash loop of FATAL connection errors.
// It starts the recorder (recorder_main.cpp) the same way, while
// booking_events.recorder is on.
//
// Plain PostgreSQL code with no C++ objects, so errors may longjmp freely.
#include "pg/recorder_channel.hpp"
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

// A dynamic worker of `database_oid` running `function` (worker_entry.hpp),
// shown as `type` in pg_stat_activity; nullptr when none could be started.
BackgroundWorkerHandle *start_database_worker(Oid database_oid, const char *function,
                                              const char *type) {
    BackgroundWorker worker;
    memset(&worker, 0, sizeof(worker));
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;
    strlcpy(worker.bgw_library_name, "booking_events", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, function, BGW_MAXLEN);
    strlcpy(worker.bgw_name, type, BGW_MAXLEN);
    strlcpy(worker.bgw_type, type, BGW_MAXLEN);
    worker.bgw_main_arg = ObjectIdGetDatum(database_oid);
    worker.bgw_notify_pid = MyProcPid;
    BackgroundWorkerHandle *handle = nullptr;
    if (!RegisterDynamicBackgroundWorker(&worker, &handle)) {
        ereport(WARNING, (errmsg("booking_events launcher: could not start the %s", type),
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

// A dynamic worker the launcher keeps running, with a pause between starts.
struct KeptWorker {
    BackgroundWorkerHandle *handle = nullptr;
    TimestampTz last_start = 0;
};

void forget_if_stopped(KeptWorker *kept) {
    if (kept->handle == nullptr) return;
    pid_t pid = 0;
    const BgwHandleStatus status = GetBackgroundWorkerPid(kept->handle, &pid);
    if (status == BGWH_STOPPED || status == BGWH_POSTMASTER_DIED) {
        pfree(kept->handle);
        kept->handle = nullptr;
    }
}

long ms_since_start(const KeptWorker &kept) {
    return kept.last_start == 0
               ? kRestartPauseMs
               : static_cast<long>((GetCurrentTimestamp() - kept.last_start) / 1000);
}

// The earlier of two timeouts, -1 being none.
long sooner(long a, long b) { return a < 0 ? b : (b < 0 ? a : Min(a, b)); }

// Starts the recorder when it should run and does not; returns how long
// the launcher may wait before looking again (-1: until woken).
long keep_recorder(KeptWorker *recorder) {
    forget_if_stopped(recorder);
    if (recorder->handle != nullptr || !setting_recorder) return -1;
    // One started by an earlier launcher (this one was restarted) tells
    // nobody when it stops: look again now and then.
    if (read_recorder_status().running) return kDatabaseRecheckMs * 5;
    const Oid database = find_database(setting_database_name);
    // No database yet: the delivery worker's part waits for it.
    if (!OidIsValid(database)) return -1;
    const long since_start_ms = ms_since_start(*recorder);
    if (since_start_ms < kRestartPauseMs) return kRestartPauseMs - since_start_ms;
    recorder->handle =
        start_database_worker(database, "booking_events_recorder_main", "booking_events recorder");
    recorder->last_start = GetCurrentTimestamp();
    return recorder->handle == nullptr ? kRestartPauseMs : -1;
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
    // As the worker's and the recorder's (process_entry.cpp): a reload sent
    // before the handler above was set is read from the files.
    ConfigReloadPending = true;
    BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);
    register_launcher_latch();

    KeptWorker worker;
    KeptWorker recorder;
    bool waiting_logged = false;
    while (!ShutdownRequestPending) {
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        long timeout = -1;
        forget_if_stopped(&worker);
        if (worker.handle == nullptr) {
            const Oid database = find_database(setting_database_name);
            const long since_start_ms = ms_since_start(worker);
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
                worker.handle = start_database_worker(database, "booking_events_worker_main",
                                                      "booking_events worker");
                worker.last_start = GetCurrentTimestamp();
                if (worker.handle == nullptr) timeout = kRestartPauseMs;
            }
        }
        timeout = sooner(timeout, keep_recorder(&recorder));
        // The postmaster signals us (bgw_notify_pid) when a worker starts or
        // stops, which sets the latch.
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
