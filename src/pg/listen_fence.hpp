// Whether a committing transaction's real-time notifications can reach
// anyone, so that they are not sent when nobody can receive them.
//
// Why it matters: PostgreSQL serializes every transaction that NOTIFYs, in
// the whole cluster, through a lock it holds until after the commit record
// is flushed (queue entries must appear in commit order). Notifying writers
// therefore never share a WAL flush (no group commit), and a trigger that
// NOTIFYs on every row caps the application's write rate at one flush per
// transaction (BENCHMARKS.md measures what this costs).
//
// What "nobody" means: no live backend of this server has committed a
// LISTEN (on any channel, in any database) since it started. A backend is
// counted from the commit of its first LISTEN until it exits (an UNLISTEN
// does not uncount it). That is only knowable when the library is loaded
// through shared_preload_libraries: every backend then sees its own LISTEN
// statements. Without preloading, notifications are always sent.
//
// Why no listener misses a notification: a writer decides at pre-commit,
// holding the fence (a lock of this module) in share mode until its commit
// is over; a transaction that LISTENs takes the fence exclusively at its
// pre-commit, and is counted before it releases it. Either the writer's
// decision and commit come entirely before the LISTEN commits (PostgreSQL
// would not deliver that notification either), or the writer sees the
// count and notifies. A writer never waits for the fence: when it is taken,
// the writer notifies as before.
#pragma once

namespace booking_events {

// From _PG_init while shared_preload_libraries is processed.
void install_listen_fence();

// PostgreSQL side, at XACT_EVENT_PRE_COMMIT of a transaction with
// notifications to send: true when they must be sent, false when no backend
// can be listening (the fence is then held until the transaction ends).
bool notifications_may_be_received();

}  // namespace booking_events
