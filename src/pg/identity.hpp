// Whom the module's own SQL runs as. The outbox insert runs as the
// extension's owner, an enrichment lookup as the owner of the table it reads
// (as PostgreSQL's foreign-key triggers do), both in a restricted security
// context and with search_path pinned to "pg_catalog, pg_temp": nothing the
// caller created (a temporary view, an operator in a schema of their own)
// can stand in for what the statement names, and code the owner's table
// runs (a row-level policy) cannot change roles or settings beyond it.
#pragma once

#include "pg/postgres_headers.hpp"

namespace booking_events {

// A plain struct, not RAII: it is used inside pg_call, where an ERROR
// longjmps and no destructor would run; the aborted transaction restores
// the caller's identity and settings then.
struct SavedIdentity {
    Oid user = InvalidOid;
    int security_context = 0;
    int setting_nest_level = 0;
};

// PostgreSQL side.
SavedIdentity enter_restricted_identity(Oid role);
void leave_identity(const SavedIdentity &saved);

// PostgreSQL side, between the two: the statements run next use generic
// plans whatever plan_cache_mode the role or database sets (it decides
// before any cursor option of the plan); leave_identity restores the
// caller's setting.
void force_generic_plans();

}  // namespace booking_events
