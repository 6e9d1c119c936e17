// The outbox row of an event summarises its deliveries (the rule of
// booking_events_settle_events, installed with 1.2.0, its lock 1.4.0): the
// worker settles its events with prepared statements of its own, not the SQL
// function, whose body is parsed and planned anew at every call. An event
// whose changed delivery is its only one is settled in the statement that
// changes it; the others after their outbox rows are locked
// (record_statement.hpp: lock_events_query), as the SQL function does.
#pragma once

namespace booking_events {

// The deliveries' columns a settle reads, of the table or CTE `alias`: a
// statement that changes deliveries returns them (RETURNING) for settle_ctes.
const char *settled_delivery_columns(const char *alias);

// CTEs to append to a WITH whose CTE `changed` returned the new version of
// each delivery it changed (settled_delivery_columns): the summary of each
// of their events, from those new versions and the event's other
// deliveries as the statement's snapshot sees them (a statement never sees
// its own changes), and `settled`, the outbox rows brought in line (one row
// per outbox row changed). Starts with a comma.
const char *settle_ctes(const char *changed, const char *deliveries, const char *outbox);

// Whether the delivery `alias` is its event's only one: a probe of the
// deliveries' primary key. An event's deliveries are all written when it
// commits (routing), so no other can appear later.
const char *lone_delivery_flag(const char *alias, const char *deliveries);

// The same rule for the events whose changed delivery is their only one
// (`changed` has the column `alone`, lone_delivery_flag): the outbox row
// takes that delivery's values, with no second read of the deliveries and
// no aggregate. `settled`, as settle_ctes names it; starts with a comma.
const char *lone_settle_cte(const char *changed, const char *outbox);

}  // namespace booking_events
