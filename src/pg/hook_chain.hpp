// What the hooks of this module share: each hands over to the hook installed
// before it, and the shared-memory hooks are installed once for all structs.
#pragma once

#include "pg/postgres_headers.hpp"

namespace booking_events {

// Runs `previous` (the ProcessUtility hook that was installed before ours),
// or the standard ProcessUtility when there was none.
void run_previous_utility_hook(ProcessUtility_hook_type previous, PlannedStmt *statement,
                               const char *query_string, bool read_only_tree,
                               ProcessUtilityContext context, ParamListInfo params,
                               QueryEnvironment *environment, DestReceiver *destination,
                               QueryCompletion *completion);

// Asks for a struct of `size` bytes in shared memory under `name`; once the
// server creates shared memory, `attach` receives its address (`created`:
// it is new and must be initialised). Every backend attaches at start, under
// AddinShmemInitLock, since several may do so at once. Call from _PG_init
// while shared_preload_libraries is loading; the first call installs the
// shmem request and startup hooks that serve them all.
void add_shared_struct(const char *name, Size size, void (*attach)(void *memory, bool created));

}  // namespace booking_events
