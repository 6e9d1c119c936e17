#include "pg/shared_state.hpp"

#include "pg/hook_chain.hpp"
#include "pg/process_slot.hpp"

namespace booking_events {

namespace {

struct SharedState {
    slock_t mutex;
    ProcessSlot worker;
    Latch *launcher_latch;
    Oid worker_database;
    pg_atomic_uint64 last_loop_at;
    // Set by the first committing backend of a burst, cleared by the worker.
    pg_atomic_uint32 wake_requested;
    // Set when something the worker reads only inside a transaction changed
    // (an endpoint, the extension, a requeue): cleared by the worker.
    pg_atomic_uint32 look_requested;
    // The backend (or prepared transaction) that holds back the outbox's
    // cleanup, as the worker last saw it (0 and "": none), under `mutex`.
    int xmin_holder_pid;
    char xmin_holder_gid[GIDSIZE];
    TimestampTz xmin_holder_since;
};

SharedState *shared_state = nullptr;
bool enqueued_in_transaction = false;
bool look_wanted_in_transaction = false;
bool xact_callback_registered = false;

// A new SharedState: no worker yet, nothing requested.
void attach_shared_state(void *memory, bool created) {
    SharedState *state = static_cast<SharedState *>(memory);
    if (created) {
        SpinLockInit(&state->mutex);
        clear_process_slot(&state->worker);
        state->launcher_latch = nullptr;
        state->worker_database = InvalidOid;
        pg_atomic_init_u64(&state->last_loop_at, 0);
        pg_atomic_init_u32(&state->wake_requested, 0);
        pg_atomic_init_u32(&state->look_requested, 0);
        state->xmin_holder_pid = 0;
        state->xmin_holder_gid[0] = '\0';
        state->xmin_holder_since = 0;
    }
    shared_state = state;
}

// Sets the worker's latch, when a worker runs.
void set_worker_latch() {
    SpinLockAcquire(&shared_state->mutex);
    Latch *latch = shared_state->worker.latch;
    SpinLockRelease(&shared_state->mutex);
    if (latch != nullptr) SetLatch(latch);
}

void wake_worker_now() {
    if (shared_state == nullptr) return;
    // Only the first commit after the worker last looked pays for SetLatch.
    if (pg_atomic_exchange_u32(&shared_state->wake_requested, 1) != 0) return;
    set_worker_latch();
}

// Rare (an endpoint change, a requeue): always sets the latch, so that no
// ordering with the commits' wake-ups needs thinking about.
void ask_worker_to_look_now() {
    if (shared_state == nullptr) return;
    pg_atomic_write_u32(&shared_state->look_requested, 1);
    pg_memory_barrier();
    set_worker_latch();
}

void on_transaction_event(XactEvent event, void *) {
    switch (event) {
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_PARALLEL_COMMIT:
            if (look_wanted_in_transaction) ask_worker_to_look_now();
            if (enqueued_in_transaction) wake_worker_now();
            enqueued_in_transaction = false;
            look_wanted_in_transaction = false;
            break;
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_ABORT:
        case XACT_EVENT_PREPARE:
            // A prepared transaction wakes the worker when COMMIT PREPARED
            // runs, in whichever session that is (see below).
            enqueued_in_transaction = false;
            look_wanted_in_transaction = false;
            break;
        default:
            break;
    }
}

ProcessUtility_hook_type previous_process_utility = nullptr;

// COMMIT PREPARED makes the events of a prepared transaction visible, from a
// session that may never have run the trigger: it wakes the worker itself.
void wake_after_commit_prepared(PlannedStmt *statement, const char *query_string,
                                bool read_only_tree, ProcessUtilityContext context,
                                ParamListInfo params, QueryEnvironment *environment,
                                DestReceiver *destination, QueryCompletion *completion) {
    run_previous_utility_hook(previous_process_utility, statement, query_string, read_only_tree,
                              context, params, environment, destination, completion);
    Node *tree = statement->utilityStmt;
    if (tree != nullptr && IsA(tree, TransactionStmt) &&
        reinterpret_cast<TransactionStmt *>(tree)->kind == TRANS_STMT_COMMIT_PREPARED)
        ask_worker_to_look_now();
}

}  // namespace

void install_commit_prepared_hook() {
    previous_process_utility = ProcessUtility_hook;
    ProcessUtility_hook = wake_after_commit_prepared;
}

void install_shared_state_hooks() {
    add_shared_struct("booking_events", sizeof(SharedState), attach_shared_state);
}

bool shared_state_available() { return shared_state != nullptr; }

void wake_delivery_worker() {
    if (shared_state != nullptr) set_worker_latch();
}

bool register_delivery_worker(Oid database_oid) {
    if (shared_state == nullptr) return false;
    return take_process_slot(&shared_state->mutex, &shared_state->worker, [&] {
        shared_state->worker_database = database_oid;
        shared_state->xmin_holder_pid = 0;
        shared_state->xmin_holder_gid[0] = '\0';
    });
}

void unregister_delivery_worker() {
    if (shared_state == nullptr) return;
    (void)release_process_slot(&shared_state->mutex, &shared_state->worker, [] {});
    SpinLockAcquire(&shared_state->mutex);
    Latch *launcher = shared_state->launcher_latch;
    SpinLockRelease(&shared_state->mutex);
    // A launcher that did not start this worker (it was restarted since) gets
    // no notice from the postmaster when the worker stops: tell it.
    if (launcher != nullptr) SetLatch(launcher);
}

void register_launcher_latch() {
    if (shared_state == nullptr) return;
    SpinLockAcquire(&shared_state->mutex);
    shared_state->launcher_latch = MyLatch;
    SpinLockRelease(&shared_state->mutex);
}

void note_worker_loop(bool lower_wake_request) {
    if (shared_state == nullptr) return;
    pg_atomic_write_u64(&shared_state->last_loop_at, static_cast<uint64>(GetCurrentTimestamp()));
    // While the worker wants a look it has not taken (delivery paused,
    // nowhere to send, the pacing window, every slot busy, a backoff), the
    // request stays up and commits do not set its latch: each would only
    // wake it to find that again, a wake-up per commit of the application
    // (BENCHMARKS.md, trig9). What ends such a wait sets the latch itself
    // (SIGHUP, ask_worker_to_look_now, an answer) or is a timer of the
    // worker's; the look lowers the request before its snapshot.
    if (lower_wake_request) pg_atomic_exchange_u32(&shared_state->wake_requested, 0);
}

WorkerStatus read_worker_status() {
    WorkerStatus status;
    if (shared_state == nullptr) return status;
    SpinLockAcquire(&shared_state->mutex);
    status.pid = shared_state->worker.pid;
    status.database_oid = shared_state->worker_database;
    status.started_at = shared_state->worker.started_at;
    status.xmin_holder_pid = shared_state->xmin_holder_pid;
    memcpy(status.xmin_holder_gid, shared_state->xmin_holder_gid, GIDSIZE);
    status.xmin_holder_since = shared_state->xmin_holder_since;
    SpinLockRelease(&shared_state->mutex);
    status.running = process_alive(status.pid);
    status.last_loop_at = static_cast<TimestampTz>(pg_atomic_read_u64(&shared_state->last_loop_at));
    return status;
}

void note_xmin_holder(int pid, const char *gid, TimestampTz since) {
    if (shared_state == nullptr) return;
    SpinLockAcquire(&shared_state->mutex);
    shared_state->xmin_holder_pid = pid;
    strlcpy(shared_state->xmin_holder_gid, gid, GIDSIZE);
    shared_state->xmin_holder_since = since;
    SpinLockRelease(&shared_state->mutex);
}

void clear_wake_request() {
    // An exchange is a full barrier: the outbox is read only after the flag is
    // down, so a commit that lands later is sure to set the latch again.
    if (shared_state != nullptr) pg_atomic_exchange_u32(&shared_state->wake_requested, 0);
}

bool take_look_request() {
    if (shared_state == nullptr) return false;
    return pg_atomic_exchange_u32(&shared_state->look_requested, 0) != 0;
}

void wake_worker_on_commit() {
    if (shared_state == nullptr) return;
    if (!xact_callback_registered) {
        RegisterXactCallback(on_transaction_event, nullptr);
        xact_callback_registered = true;
    }
    enqueued_in_transaction = true;
}

void ask_worker_to_look_on_commit() {
    wake_worker_on_commit();
    if (shared_state != nullptr) look_wanted_in_transaction = true;
}

}  // namespace booking_events
