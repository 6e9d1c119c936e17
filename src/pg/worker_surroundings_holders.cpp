#include "pg/worker_surroundings_holders.hpp"

namespace booking_events {

namespace {

// One open transaction, in plain values until every PostgreSQL call is done.
struct OpenTransactionRow {
    int pid;
    const char *prepared_gid;  // NULL for a backend
    double open_seconds;
    TimestampTz began_at;
    TransactionId horizon;  // the older of xmin and xid; invalid: none (any more)
    uint8 status_flags;
    Oid database;
};

TransactionId older_valid(TransactionId a, TransactionId b) {
    if (!TransactionIdIsValid(a)) return b;
    if (!TransactionIdIsValid(b)) return a;
    return TransactionIdPrecedes(a, b) ? a : b;
}

Datum column_value(int row, int column) {
    bool is_null = false;
    return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, column, &is_null);
}

// Runs `query`, whose columns 2 and 3 are how long a transaction has been
// open (in seconds) and since when, into one row each.
int select_open_transactions(const char *query, OpenTransactionRow **rows) {
    if (SPI_execute(query, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "booking_events: looking for long transactions failed");
    const int count = static_cast<int>(SPI_processed);
    *rows = static_cast<OpenTransactionRow *>(palloc0(sizeof(OpenTransactionRow) * (count + 1)));
    for (int i = 0; i < count; ++i) {
        (*rows)[i].open_seconds = DatumGetFloat8(column_value(i, 2));
        (*rows)[i].began_at = DatumGetTimestampTz(column_value(i, 3));
    }
    return count;
}

// The backends with a snapshot or a transaction id and when their
// transaction began; their horizons come from the process array below.
int read_backends(OpenTransactionRow **rows) {
    const int count = select_open_transactions(
        "SELECT pid, pg_catalog.date_part('epoch', pg_catalog.now() - xact_start), xact_start "
        "FROM pg_catalog.pg_stat_activity "
        "WHERE pid <> pg_catalog.pg_backend_pid() AND xact_start IS NOT NULL "
        "  AND (backend_xmin IS NOT NULL OR backend_xid IS NOT NULL)",
        rows);
    for (int i = 0; i < count; ++i) (*rows)[i].pid = DatumGetInt32(column_value(i, 1));
    return count;
}

// What ComputeXidHorizons reads of each backend, in one pass under
// ProcArrayLock; nothing in the pass can raise an error. A backend gone
// meanwhile (or whose transaction ended) keeps an invalid horizon.
void read_process_array(OpenTransactionRow *rows, int count) {
    LWLockAcquire(ProcArrayLock, LW_SHARED);
    for (int i = 0; i < count; ++i) {
        const volatile PGPROC *proc = BackendPidGetProcWithLock(rows[i].pid);
        if (proc == nullptr) continue;
        rows[i].horizon = older_valid(proc->xmin, proc->xid);
        rows[i].status_flags = proc->statusFlags;
        rows[i].database = proc->databaseId;
    }
    LWLockRelease(ProcArrayLock);
}

// The prepared transactions of this database: each holds back the horizon
// by its transaction id until it is committed or rolled back, and no
// backend shows it.
int read_prepared(OpenTransactionRow **rows) {
    const int count = select_open_transactions(
        "SELECT gid, pg_catalog.date_part('epoch', pg_catalog.now() - prepared), prepared, "
        "       transaction::text::bigint "
        "FROM pg_catalog.pg_prepared_xacts WHERE database = pg_catalog.current_database()",
        rows);
    for (int i = 0; i < count; ++i) {
        (*rows)[i].prepared_gid = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
        (*rows)[i].horizon = static_cast<TransactionId>(DatumGetInt64(column_value(i, 4)));
        (*rows)[i].database = MyDatabaseId;
    }
    return count;
}

void add_open_transactions(std::vector<OpenTransaction> &out, const OpenTransactionRow *rows,
                           int count, TransactionId next_xid) {
    for (int i = 0; i < count; ++i) {
        const OpenTransactionRow &row = rows[i];
        if (!TransactionIdIsNormal(row.horizon)) continue;
        OpenTransaction transaction;
        transaction.pid = row.pid;
        if (row.prepared_gid != nullptr) transaction.prepared_gid = row.prepared_gid;
        // Modulo 2^32, as transaction ids compare: the horizon was read
        // before the next id, so it never lies ahead of it.
        transaction.horizon_age_xids = static_cast<std::uint32_t>(next_xid - row.horizon);
        transaction.open_seconds = row.open_seconds;
        transaction.began_at = row.began_at;
        transaction.same_database = row.database == MyDatabaseId;
        transaction.lazy_vacuum = (row.status_flags & PROC_IN_VACUUM) != 0;
        transaction.logical_decoding = (row.status_flags & PROC_IN_LOGICAL_DECODING) != 0;
        transaction.relays_standby_feedback = (row.status_flags & PROC_AFFECTS_ALL_HORIZONS) != 0;
        transaction.autovacuum = (row.status_flags & PROC_IS_AUTOVACUUM) != 0;
        transaction.horizon_xid = row.horizon;
        out.push_back(std::move(transaction));
    }
}

}  // namespace

void read_open_transactions(std::vector<OpenTransaction> &out) {
    OpenTransactionRow *backends = nullptr;
    OpenTransactionRow *prepared = nullptr;
    const int backend_count = read_backends(&backends);
    read_process_array(backends, backend_count);
    const int prepared_count = read_prepared(&prepared);
    const TransactionId next_xid = ReadNextTransactionId();
    // From here on no PostgreSQL call: C++ objects come to life.
    add_open_transactions(out, backends, backend_count, next_xid);
    add_open_transactions(out, prepared, prepared_count, next_xid);
}

}  // namespace booking_events
