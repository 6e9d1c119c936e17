// A statement prepared once per session and kept (SPI_keepplan) for as long
// as what it was prepared for stays the same. PostgreSQL's plan cache
// re-plans a kept plan when the tables it reads change; this also drops it
// when the names in its text may no longer resolve (a table moved, the
// extension dropped and created again), which the plan cache cannot know.
#pragma once

#include "pg/postgres_headers.hpp"

namespace booking_events {

struct KeptPlan {
    SPIPlanPtr plan = nullptr;
    Oid prepared_for = InvalidOid;  // the relation (or schema) it was prepared for
    bool stale = false;             // set by an invalidation callback
};

// Whether `kept` holds a usable plan prepared for `target`.
bool kept_plan_ready(const KeptPlan &kept, Oid target);

// Replaces the plan of `kept` by one for `query`, prepared for `target`.
// PostgreSQL side: raises an ERROR when the statement does not prepare.
void prepare_kept_plan(KeptPlan *kept, Oid target, const char *query, int argument_count,
                       Oid *argument_types);

// Frees the plan (PostgreSQL side); the next use prepares it again.
void drop_kept_plan(KeptPlan *kept);

}  // namespace booking_events
