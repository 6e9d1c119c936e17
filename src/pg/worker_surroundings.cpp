#include "pg/worker_surroundings.hpp"

#include "pg/boundary.hpp"
#include "pg/shared_state.hpp"
#include "pg/worker_session.hpp"

namespace booking_events {

namespace {

// How often the worker looks while all is well.
constexpr long kLookIntervalMs = 10000;
// A transaction open this long is named.
constexpr int kLongTransactionSeconds = 30;

struct XminHolder {
    int pid = 0;  // 0: none
    TimestampTz transaction_started_at = 0;
};

// The backend (other than this one) whose transaction has been open longest
// while holding a snapshot or a transaction id, if open long enough.
XminHolder find_xmin_holder() {
    char *query = psprintf(
        "SELECT pid, xact_start FROM pg_catalog.pg_stat_activity "
        "WHERE pid <> pg_catalog.pg_backend_pid() "
        "  AND (backend_xmin IS NOT NULL OR backend_xid IS NOT NULL) "
        "  AND xact_start < pg_catalog.now() - pg_catalog.make_interval(secs => %d) "
        "ORDER BY xact_start LIMIT 1",
        kLongTransactionSeconds);
    if (SPI_execute(query, true, 1) != SPI_OK_SELECT)
        elog(ERROR, "booking_events: reading pg_stat_activity failed");
    XminHolder holder;
    if (SPI_processed == 0) return holder;
    bool is_null = false;
    HeapTuple row = SPI_tuptable->vals[0];
    holder.pid = DatumGetInt32(SPI_getbinval(row, SPI_tuptable->tupdesc, 1, &is_null));
    holder.transaction_started_at =
        DatumGetTimestampTz(SPI_getbinval(row, SPI_tuptable->tupdesc, 2, &is_null));
    return holder;
}

}  // namespace

bool WorkerSurroundings::look_around(bool failing, long now_ms) {
    if (now_ms < due_at_ms_ && !failing) return settings_changed_;
    due_at_ms_ = now_ms + kLookIntervalMs;
    std::string signature;
    XminHolder holder;
    pg_call([&] {
        signature = session_settings_signature();
        holder = find_xmin_holder();
    });
    if (!signature_known_) {
        settings_signature_ = signature;
        signature_known_ = true;
    } else if (signature != settings_signature_ && !settings_changed_) {
        settings_changed_ = true;
        pg_call([] {
            ereport(LOG, (errmsg("booking_events worker: database or role settings changed; "
                                 "handing over to a fresh worker once the requests in flight "
                                 "are recorded")));
        });
    }
    note_xmin_holder_change(holder.pid, holder.transaction_started_at);
    return settings_changed_;
}

void WorkerSurroundings::note_xmin_holder_change(int pid, TimestampTz since) {
    if (pid == xmin_holder_pid_) return;
    xmin_holder_pid_ = pid;
    pg_call([&] {
        note_xmin_holder(pid, since);
        if (pid != 0)
            ereport(WARNING,
                    (errmsg("booking_events worker: the transaction of backend %d, open since %s, "
                            "holds back the cleanup of the outbox",
                            pid, timestamptz_to_str(since)),
                     errdetail("Delivered events leave dead rows that no vacuum can remove while "
                               "it is open; claims slow down as they pile up."),
                     errhint("End that transaction (pg_terminate_backend(%d) if need be).", pid)));
        else
            ereport(LOG, (errmsg("booking_events worker: no long transaction holds back the "
                                 "outbox any more")));
    });
}

}  // namespace booking_events
