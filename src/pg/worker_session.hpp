// The delivery worker's process: its signal handling, the session settings
// its statements run under, and the guard that keeps each of its database
// transactions interruptible and bounded in time.
#pragma once

#include <string>

#include "pg/extension_catalog.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

// SIGHUP reloads; SIGTERM asks the loop to stop (requests in flight get a
// short grace) or, while the worker is inside a database transaction,
// terminates it at once, as a backend does: a claim waiting on a lock or
// stuck in a long scan never delays a shutdown.
void install_worker_signal_handlers();

// Session settings for the worker's own statements, set once after
// connecting (see the .cpp for why each).
void configure_worker_session();

// Marks the worker as inside a database transaction (SIGTERM then
// terminates it) and arms a statement timeout, so no statement of the
// worker can run for longer than `timeout_ms`. Always paired with
// leave_database_work(), on success and after an error alike.
void enter_database_work(int timeout_ms);
void leave_database_work();

// One short transaction of the worker or the recorder: the guard above
// armed, SPI connected, a snapshot, `activity` shown in pg_stat_activity,
// and the extension looked up and share-locked into `*extension`; returns
// whether it exists. PostgreSQL side: call under pg_call.
bool begin_worker_transaction(const char *activity, int timeout_ms, ExtensionInfo *extension);
// Commits it (SPI finished, the snapshot popped); then, once the caller has
// done what must follow the commit at once, end_worker_transaction().
void commit_worker_transaction();
// Statistics reported, the activity idle, the guard disarmed.
void end_worker_transaction();

// A fenced database (default_transaction_read_only, set by a failover
// tool) is a transaction error like any other: nothing is claimed and sent
// that could not be recorded afterwards. Raises that ERROR.
void refuse_read_only_transaction();

// pg_db_role_setting as it applies to this session (database, role, both,
// all): PostgreSQL applies these only when a session starts, so the worker
// compares them with what it started with to notice a change (a fence set
// or lifted with ALTER DATABASE ... SET default_transaction_read_only).
// Inside a transaction with SPI connected; may ereport.
char *session_settings_signature();

}  // namespace booking_events
