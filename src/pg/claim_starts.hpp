// Each endpoint's ClaimStart (core/claim_start.hpp), kept by the delivery
// worker between its transactions. PostgreSQL side, like endpoint_store.hpp:
// plain data in a hash table of the worker's TopMemoryContext.
#pragma once

#include "core/claim_start.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

// The ClaimStart of `endpoint` in the extension `extension_oid`: a fresh one
// the first time, and after the extension was dropped and created again
// (outbox ids start over).
ClaimStart *claim_start_for(Oid extension_oid, const char *endpoint);

// Every endpoint claims from the start again (a rolled back transaction may
// have left deliveries pending below a mark).
void forget_claim_starts();

}  // namespace booking_events
