// How the outbox's payload is stored: compressed inline. An event's row
// (~1.5 kB of jsonb) stays below TOAST_TUPLE_THRESHOLD (~2 kB), so the
// toaster never runs for it and the payload would be written, and WAL-logged,
// as it is; the UPDATEs that follow (the record statement's status change)
// copy it again. A compressed inline varlena is an ordinary on-disk form:
// every reader detoasts it, and an UPDATE that leaves the payload alone keeps
// it as it is.
#pragma once

#include "pg/postgres_headers.hpp"

namespace booking_events {

// PostgreSQL side: `payload` (a plain jsonb varlena) compressed with lz4
// (pglz on a server built without it), or `payload` itself when it is not
// plain, the column's `attstorage` forbids compression (PLAIN, EXTERNAL),
// or compression does not make it smaller. In CurrentMemoryContext.
Datum stored_payload(Datum payload, char attstorage);

}  // namespace booking_events
