#include "pg/worker_session.hpp"

#include <csignal>
#include <initializer_list>

extern "C" {
#include "tcop/tcopprot.h"
#include "utils/timeout.h"
}

namespace booking_events {

namespace {

volatile sig_atomic_t in_database_work = 0;

void handle_sigterm(SIGNAL_ARGS) {
    if (in_database_work)
        die(postgres_signal_arg);
    else
        SignalHandlerForShutdownRequest(postgres_signal_arg);
}

}  // namespace

void install_worker_signal_handlers() {
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, handle_sigterm);
}

void configure_worker_session() {
    // The worker runs as a superuser: its queries must resolve names in
    // pg_catalog only, never in a schema some other role can write to.
    SetConfigOption("search_path", "pg_catalog", PGC_SUSET, PGC_S_OVERRIDE);
    // The worker runs the same few statements thousands of times a second;
    // their best plan does not depend on the parameters, and planning them
    // again on every run (PostgreSQL's choice for array parameters) cost
    // the worker 15% of its CPU (bench/drain.sh with BENCH_PERF=1).
    SetConfigOption("plan_cache_mode", "force_generic_plan", PGC_SUSET, PGC_S_OVERRIDE);
    // A generic plan's cost grows with the outbox and passes jit_above_cost;
    // JIT code is not kept between executions, so every claim would compile
    // again (10 ms for a 0.3 ms query: BENCHMARKS.md, bottleneck 1).
    SetConfigOption("jit", "off", PGC_SUSET, PGC_S_OVERRIDE);
    // A transaction left open on rows the worker must write (an admin
    // function's, a DBA's SELECT ... FOR UPDATE) stops delivery until it
    // ends; the log then names the process that holds the lock, once the
    // wait passes deadlock_timeout, instead of only a statement timeout.
    SetConfigOption("log_lock_waits", "on", PGC_SUSET, PGC_S_OVERRIDE);
    // A generic plan is made once, from the statistics of that moment. Made
    // on an empty, freshly vacuumed outbox (a quiet night), the cheapest plan
    // is a sequential scan and a sort, with another sequential scan inside
    // the per-booking check: quadratic in the backlog that arrives in the
    // morning. Every statement of the worker has an index that answers it in
    // order, so the other access paths are taken off the table. Which index
    // a probe uses still depends on the statistics: delivery_store.cpp makes
    // the plans again when the outbox outgrows them.
    for (const char *path : {"enable_seqscan", "enable_bitmapscan", "enable_sort",
                             "enable_hashjoin", "enable_mergejoin", "enable_material"})
        SetConfigOption(path, "off", PGC_SUSET, PGC_S_OVERRIDE);
}

void enter_database_work(int timeout_ms) {
    in_database_work = 1;
    // PostgreSQL arms statement_timeout only for client statements.
    enable_timeout_after(STATEMENT_TIMEOUT, timeout_ms);
}

void leave_database_work() {
    disable_timeout(STATEMENT_TIMEOUT, false);
    in_database_work = 0;
}

bool begin_worker_transaction(const char *activity, int timeout_ms, ExtensionInfo *extension) {
    enter_database_work(timeout_ms);
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "booking_events: SPI_connect failed");
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, activity);
    return lookup_extension(extension) && lock_extension(extension);
}

void commit_worker_transaction() {
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
}

void end_worker_transaction() {
    // Without this the worker's updates reach the statistics only when it
    // exits, and autovacuum never sees the outbox's dead rows (PostgreSQL
    // rate-limits the actual flush).
    pgstat_report_stat(false);
    pgstat_report_activity(STATE_IDLE, nullptr);
    leave_database_work();
}

void refuse_read_only_transaction() {
    if (XactReadOnly)
        ereport(ERROR, (errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
                        errmsg("booking_events worker: the database is read-only "
                               "(default_transaction_read_only); delivery waits")));
}

char *session_settings_signature() {
    const Oid role = GetSessionUserId();
    char *query = psprintf(
        "SELECT coalesce(string_agg(setdatabase || '/' || setrole || '=' || setconfig::text, ';' "
        "                           ORDER BY setdatabase, setrole), '') "
        "FROM pg_catalog.pg_db_role_setting "
        "WHERE setdatabase IN (0, %u) AND setrole IN (0, %u)",
        MyDatabaseId, role);
    if (SPI_execute(query, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
        elog(ERROR, "booking_events: reading pg_db_role_setting failed");
    char *value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    return value != nullptr ? value : pstrdup("");
}

}  // namespace booking_events
