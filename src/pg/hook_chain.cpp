#include "pg/hook_chain.hpp"

namespace booking_events {

namespace {

struct SharedStruct {
    const char *name;
    Size size;
    void (*attach)(void *memory, bool created);
};

// The module's own structs (the worker's state, the LISTEN fence's count).
constexpr int kMaxSharedStructs = 4;
SharedStruct shared_structs[kMaxSharedStructs];
int shared_struct_count = 0;
shmem_request_hook_type previous_shmem_request_hook = nullptr;
shmem_startup_hook_type previous_shmem_startup_hook = nullptr;

void request_shared_structs() {
    if (previous_shmem_request_hook) previous_shmem_request_hook();
    for (int i = 0; i < shared_struct_count; ++i)
        RequestAddinShmemSpace(MAXALIGN(shared_structs[i].size));
}

void attach_shared_structs() {
    if (previous_shmem_startup_hook) previous_shmem_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    for (int i = 0; i < shared_struct_count; ++i) {
        bool found = false;
        void *memory = ShmemInitStruct(shared_structs[i].name, shared_structs[i].size, &found);
        shared_structs[i].attach(memory, !found);
    }
    LWLockRelease(AddinShmemInitLock);
}

}  // namespace

void run_previous_utility_hook(ProcessUtility_hook_type previous, PlannedStmt *statement,
                               const char *query_string, bool read_only_tree,
                               ProcessUtilityContext context, ParamListInfo params,
                               QueryEnvironment *environment, DestReceiver *destination,
                               QueryCompletion *completion) {
    if (previous)
        previous(statement, query_string, read_only_tree, context, params, environment, destination,
                 completion);
    else
        standard_ProcessUtility(statement, query_string, read_only_tree, context, params,
                                environment, destination, completion);
}

void add_shared_struct(const char *name, Size size, void (*attach)(void *memory, bool created)) {
    if (shared_struct_count == kMaxSharedStructs)
        elog(ERROR, "booking_events: more shared structs than kMaxSharedStructs");
    shared_structs[shared_struct_count++] = SharedStruct{name, size, attach};
    if (shared_struct_count > 1) return;
    previous_shmem_request_hook = shmem_request_hook;
    shmem_request_hook = request_shared_structs;
    previous_shmem_startup_hook = shmem_startup_hook;
    shmem_startup_hook = attach_shared_structs;
}

}  // namespace booking_events
