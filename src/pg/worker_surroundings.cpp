#include "pg/worker_surroundings.hpp"

#include <vector>

#include "pg/boundary.hpp"
#include "pg/shared_state.hpp"
#include "pg/worker_session.hpp"
#include "pg/worker_surroundings_holders.hpp"

namespace booking_events {

namespace {

// How often the worker looks while all is well.
constexpr long kLookIntervalMs = 10000;

void warn_of_backend(int pid, TimestampTz since) {
    ereport(WARNING, (errmsg("booking_events worker: the transaction of backend %d, open since %s, "
                             "holds back the cleanup of the outbox",
                             pid, timestamptz_to_str(since)),
                      errdetail("Delivered events leave dead rows that no vacuum can remove while "
                                "it is open; claims slow down as they pile up."),
                      errhint("End that transaction (pg_terminate_backend(%d) if need be).", pid)));
}

void warn_of_prepared(const char *gid, TimestampTz since) {
    // The identifier is the caller's text: quoted as the statement needs it.
    const char *quoted = quote_literal_cstr(gid);
    ereport(WARNING,
            (errmsg("booking_events worker: the prepared transaction %s, prepared at %s, "
                    "holds back the cleanup of the outbox",
                    quoted, timestamptz_to_str(since)),
             errdetail("Delivered events leave dead rows that no vacuum can remove until "
                       "it is committed or rolled back; claims slow down as they pile up."),
             errhint("Finish it: COMMIT PREPARED %s or ROLLBACK PREPARED %s.", quoted, quoted)));
}

}  // namespace

bool WorkerSurroundings::look_around(bool failing, long now_ms) {
    if (now_ms < due_at_ms_ && !failing) return settings_changed_;
    due_at_ms_ = now_ms + kLookIntervalMs;
    std::string signature;
    std::vector<OpenTransaction> open_transactions;
    TimestampTz looked_at = 0;
    pg_call([&] {
        signature = session_settings_signature();
        read_open_transactions(open_transactions);
        looked_at = GetCurrentTimestamp();
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
    autovacuum_sightings_.time_autovacuum(open_transactions, looked_at);
    note_xmin_holder_change(horizon_holder_to_name(open_transactions));
    return settings_changed_;
}

void WorkerSurroundings::note_xmin_holder_change(const std::optional<OpenTransaction> &holder) {
    if (same_holder(holder, xmin_holder_)) return;
    xmin_holder_ = holder;
    const int pid = holder ? holder->pid : 0;
    const char *gid = holder ? holder->prepared_gid.c_str() : "";
    const TimestampTz since = holder ? holder->began_at : 0;
    pg_call([&] {
        note_xmin_holder(pid, gid, since);
        if (!holder)
            ereport(LOG, (errmsg("booking_events worker: no long transaction holds back the "
                                 "outbox any more")));
        else if (gid[0] != '\0')
            warn_of_prepared(gid, since);
        else
            warn_of_backend(pid, since);
    });
}

}  // namespace booking_events
