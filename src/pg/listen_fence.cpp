#include "pg/listen_fence.hpp"

#include "pg/hook_chain.hpp"

#include "pg/postgres_headers.hpp"

extern "C" {
#include "storage/lock.h"
}

namespace booking_events {

namespace {

struct SharedListeners {
    // Live backends that committed a LISTEN since they started.
    pg_atomic_uint32 listening_backends;
};

SharedListeners *shared_listeners = nullptr;
ProcessUtility_hook_type previous_utility_hook = nullptr;

bool listen_in_transaction = false;
bool backend_counted = false;

// No SQL statement can take this lock: object locks that DDL takes have
// sub-id 0 and name an existing object (no extension has OID 0).
constexpr uint16 kFenceSubId = 1;

void fence_tag(LOCKTAG *tag) {
    SET_LOCKTAG_OBJECT(*tag, MyDatabaseId, ExtensionRelationId, InvalidOid, kFenceSubId);
}

void attach_shared_listeners(void *memory, bool created) {
    shared_listeners = static_cast<SharedListeners *>(memory);
    if (created) pg_atomic_init_u32(&shared_listeners->listening_backends, 0);
}

void uncount_backend(int, Datum) {
    if (backend_counted) pg_atomic_fetch_sub_u32(&shared_listeners->listening_backends, 1);
    backend_counted = false;
}

// The LISTEN side of the fence: waits for the writers that decided not to
// notify and have not finished committing, and is counted before any
// later writer can decide.
void fence_listen() {
    LOCKTAG tag;
    fence_tag(&tag);
    (void)LockAcquire(&tag, ExclusiveLock, false, false);
    if (backend_counted) return;
    before_shmem_exit(uncount_backend, (Datum)0);
    pg_atomic_fetch_add_u32(&shared_listeners->listening_backends, 1);
    backend_counted = true;
}

void on_transaction_event(XactEvent event, void *) {
    switch (event) {
        case XACT_EVENT_PRE_COMMIT:
            if (listen_in_transaction) fence_listen();
            break;
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PREPARE:
        case XACT_EVENT_PARALLEL_COMMIT:
        case XACT_EVENT_PARALLEL_ABORT:
            listen_in_transaction = false;
            break;
        default:
            break;
    }
}

void note_listen(PlannedStmt *statement, const char *query_string, bool read_only_tree,
                 ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *environment,
                 DestReceiver *destination, QueryCompletion *completion) {
    if (statement->utilityStmt != nullptr && IsA(statement->utilityStmt, ListenStmt))
        listen_in_transaction = true;
    run_previous_utility_hook(previous_utility_hook, statement, query_string, read_only_tree,
                              context, params, environment, destination, completion);
}

}  // namespace

void install_listen_fence() {
    add_shared_struct("booking_events listeners", sizeof(SharedListeners), attach_shared_listeners);
    previous_utility_hook = ProcessUtility_hook;
    ProcessUtility_hook = note_listen;
    RegisterXactCallback(on_transaction_event, nullptr);
}

bool notifications_may_be_received() {
    // Not preloaded (no shared memory): other backends' LISTENs are unseen.
    if (shared_listeners == nullptr) return true;
    // This transaction LISTENs: it receives its own notifications.
    if (listen_in_transaction) return true;
    LOCKTAG tag;
    fence_tag(&tag);
    // A LISTEN is committing: notify rather than wait for it.
    if (LockAcquire(&tag, ShareLock, false, true) == LOCKACQUIRE_NOT_AVAIL) return true;
    return pg_atomic_read_u32(&shared_listeners->listening_backends) != 0;
}

}  // namespace booking_events
