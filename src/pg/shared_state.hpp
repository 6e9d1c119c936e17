// State shared between the backends that enqueue events and the delivery
// worker: who the worker is, how to wake it, and what it last did. Exists only
// when the library is in shared_preload_libraries.
#pragma once

#include "pg/postgres_headers.hpp"

namespace booking_events {

struct WorkerStatus {
    bool running = false;
    int pid = 0;
    Oid database_oid = InvalidOid;
    TimestampTz started_at = 0;
    TimestampTz last_loop_at = 0;
    // A long transaction holding back the outbox's cleanup: a backend's pid,
    // or a prepared transaction's identifier (pid 0); neither: none.
    int xmin_holder_pid = 0;
    char xmin_holder_gid[GIDSIZE] = {};
    TimestampTz xmin_holder_since = 0;  // its transaction's start
};

// Called from _PG_init while shared_preload_libraries is processed.
void install_shared_state_hooks();

// Wakes the worker after COMMIT PREPARED; called from _PG_init.
void install_commit_prepared_hook();

// True when the shared state exists in this server.
bool shared_state_available();

// The delivery worker announces itself; false when another live worker of
// the same server already did.
bool register_delivery_worker(Oid database_oid);
void unregister_delivery_worker();
void register_launcher_latch();
// Each pass of the worker's loop. `lower_wake_request`: the worker does not
// yet want to look at the outbox, so the next commit must wake it; while it
// already wants to (a commit it has not read yet), further commits teach it
// nothing and the request stays up until the look's snapshot
// (clear_wake_request).
void note_worker_loop(bool lower_wake_request);
// The delivery worker reports the backend (pid) or prepared transaction
// (pid 0, identifier `gid`) whose snapshot or transaction id holds back the
// outbox's cleanup (pid 0 and an empty gid: none).
void note_xmin_holder(int pid, const char *gid, TimestampTz since);
WorkerStatus read_worker_status();

// Sets the delivery worker's latch now, when a worker runs (the recorder
// does, once it committed outcomes the worker waits for).
void wake_delivery_worker();

// The worker forgets pending wake-ups right before it looks at the outbox;
// any commit after that wakes it again.
void clear_wake_request();

// Marks that the current transaction enqueued an event: on commit, and only
// then, the worker's latch is set (once per burst, not once per commit).
void wake_worker_on_commit();

// Like wake_worker_on_commit(), for a change the worker learns of only by
// opening a transaction (an endpoint added, resumed or removed; events
// requeued or adopted; the extension created): a worker with nowhere to send
// opens none for an ordinary commit, and does for this one.
void ask_worker_to_look_on_commit();
// The worker takes the request (true once per request).
bool take_look_request();

}  // namespace booking_events
