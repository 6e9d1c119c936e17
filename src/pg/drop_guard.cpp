// Plain PostgreSQL code with no C++ objects, so errors may longjmp freely.
#include "pg/drop_guard.hpp"

#include <csignal>

#include "pg/extension_catalog.hpp"
#include "pg/hook_chain.hpp"
#include "pg/postgres_headers.hpp"
#include "pg/recorder_channel.hpp"
#include "pg/shared_state.hpp"

namespace booking_events {

namespace {

ProcessUtility_hook_type previous_utility_hook = nullptr;

// DROP EXTENSION booking_events, or DROP SCHEMA of the schema it lives in
// (with CASCADE, the extension goes with it).
bool drops_this_extension(const DropStmt *drop) {
    const char *name = nullptr;
    if (drop->removeType == OBJECT_EXTENSION) {
        name = "booking_events";
    } else if (drop->removeType == OBJECT_SCHEMA) {
        ExtensionInfo extension;
        if (!lookup_extension(&extension)) return false;
        name = get_namespace_name(extension.schema_oid);
    } else {
        return false;
    }
    ListCell *cell;
    foreach (cell, drop->objects) {
        if (name != nullptr && strcmp(strVal(lfirst(cell)), name) == 0) return true;
    }
    return false;
}

// What a DROP EXTENSION is about to discard, counted while the outbox still
// exists. Only for the extension's owner (anyone else's DROP fails anyway,
// and must not fail here on the outbox's privileges instead).
struct DiscardedEvents {
    int64 pending = 0;
    int64 failed = 0;
    char *outbox = nullptr;  // qualified name, for the hint
};

DiscardedEvents count_discarded_events() {
    DiscardedEvents discarded;
    ExtensionInfo extension;
    if (!lookup_extension(&extension) ||
        !pg_extension_ownercheck(extension.extension_oid, GetUserId()))
        return discarded;
    discarded.outbox = qualified_extension_object(extension, "webhook_outbox");
    char *query = psprintf(
        "SELECT pg_catalog.count(*) FILTER (WHERE status OPERATOR(pg_catalog.=) 'pending'), "
        "pg_catalog.count(*) FILTER (WHERE status OPERATOR(pg_catalog.=) 'failed') FROM %s",
        discarded.outbox);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "booking_events: SPI_connect failed");
    if (SPI_execute(query, true, 1) == SPI_OK_SELECT && SPI_processed == 1) {
        bool is_null = false;
        discarded.pending =
            DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
        discarded.failed =
            DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &is_null));
    }
    SPI_finish();
    return discarded;
}

// Said once the drop went through (a DROP that fails discards nothing).
void warn_about_discarded_events(const DiscardedEvents &discarded) {
    if (discarded.pending + discarded.failed == 0) return;
    ereport(
        WARNING,
        (errmsg("dropping extension booking_events discarded %lld pending and %lld failed events",
                static_cast<long long>(discarded.pending),
                static_cast<long long>(discarded.failed)),
         errdetail("They will never be sent; webhook_outbox and webhook_logs were dropped "
                   "with the extension."),
         errhint("To keep them, roll back and copy them first, for example: CREATE TABLE "
                 "kept_events AS SELECT * FROM %s WHERE status <> 'delivered';",
                 discarded.outbox)));
}

// DROP DATABASE waits a few seconds for other sessions to leave, then fails.
// The worker and the recorder are asked to leave now (they stop like at a
// server shutdown, recording the requests in flight); the launcher then waits for the
// database named in the settings to exist again. Only for a role that may
// drop that database.
void release_database_being_dropped(const DropdbStmt *drop) {
    const Oid database = get_database_oid(drop->dbname, true);
    if (!OidIsValid(database) || !pg_database_ownercheck(database, GetUserId())) return;
    const WorkerStatus worker = read_worker_status();
    if (!worker.running || worker.database_oid != database) return;
    ereport(NOTICE,
            (errmsg("stopping the booking_events worker of database \"%s\"", drop->dbname)));
    kill(worker.pid, SIGTERM);
    // The recorder serves the same database; it comes back with the worker.
    const RecorderStatus recorder = read_recorder_status();
    if (recorder.running) kill(recorder.pid, SIGTERM);
}

void drop_guard(PlannedStmt *statement, const char *query_string, bool read_only_tree,
                ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *environment,
                DestReceiver *destination, QueryCompletion *completion) {
    Node *tree = statement->utilityStmt;
    DiscardedEvents discarded;
    if (tree != nullptr && IsA(tree, DropStmt) &&
        drops_this_extension(reinterpret_cast<DropStmt *>(tree)))
        discarded = count_discarded_events();
    else if (tree != nullptr && IsA(tree, DropdbStmt))
        release_database_being_dropped(reinterpret_cast<DropdbStmt *>(tree));
    run_previous_utility_hook(previous_utility_hook, statement, query_string, read_only_tree,
                              context, params, environment, destination, completion);
    warn_about_discarded_events(discarded);
}

}  // namespace

void install_drop_guard() {
    previous_utility_hook = ProcessUtility_hook;
    ProcessUtility_hook = drop_guard;
}

}  // namespace booking_events
