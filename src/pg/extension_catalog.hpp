// Where the extension lives: its schema and owner, read from pg_extension so
// that nothing assumes the objects are in public.
#pragma once

#include "pg/postgres_headers.hpp"

namespace booking_events {

struct ExtensionInfo {
    Oid extension_oid = InvalidOid;
    Oid schema_oid = InvalidOid;
    Oid owner_oid = InvalidOid;
};

// False when the extension is not created in the current database. May
// ereport (catalog access): call it under pg_call or from PostgreSQL code.
bool lookup_extension(ExtensionInfo *info);
// Takes a share lock on the looked-up extension (what DROP EXTENSION locks
// first); false when it is gone by the time the lock is held.
bool lock_extension(ExtensionInfo *info);

// The extension in the current database, for functions that cannot work
// without it. PostgreSQL side: raises an ERROR when it is not created.
ExtensionInfo installed_extension();

// "schema.name" quoted for SQL text, palloc'd.
char *qualified_extension_object(const ExtensionInfo &info, const char *name);

}  // namespace booking_events
