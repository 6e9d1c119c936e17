// The statements that record the delivery worker's attempts from version
// 1.2.0 on (webhook_deliveries): each delivery's new state, a webhook_logs
// row per attempt, and the outbox rows settled (settle_statement.hpp).
// Statement texts only; endpoint_store prepares and runs them.
#pragma once

namespace booking_events {

// Records the attempts ($1..$12: the arrays run_record passes) and settles
// the events whose changed delivery is their only one (the common case:
// one endpoint) by copying its values into the outbox row. Returns the
// outbox id of each other delivery it changed (its event has several:
// several endpoints, or a removed endpoint's delivery left behind; an id
// may repeat): those events are settled by settle_events_query, in the
// same transaction, by the general rule.
const char *record_query(const char *deliveries, const char *outbox, const char *logs);

// Locks the outbox rows of the events $1 (int8[]) in id order (FOR NO KEY
// UPDATE), a statement of its own before settle_events_query: a settle
// that waited on the row of an event another transaction settled would
// otherwise write it from deliveries read before that one committed (READ
// COMMITTED). Once the lock is held, the settle's own snapshot sees every
// settler of those events that came before, and the ones after wait.
const char *lock_events_query(const char *outbox);

// Settles the events $1 (int8[]) by the general rule, reading their
// deliveries as they are now; returns one row (how many changed). Run after
// lock_events_query in the same transaction.
const char *settle_events_query(const char *deliveries, const char *outbox);

}  // namespace booking_events
