// The extension as the trigger path sees it: its schema, its owner and its
// outbox. Kept across transactions and looked up again after any change to
// pg_class, so DROP and CREATE EXTENSION (even within one transaction) and
// ALTER EXTENSION ... SET SCHEMA are noticed at the next row.
#pragma once

#include "pg/extension_catalog.hpp"

namespace booking_events {

struct CachedExtension {
    ExtensionInfo info;
    Oid outbox_relid = InvalidOid;
    // Both valid from version 1.2.0 on (endpoints); both invalid while the
    // database is still at 1.0.0 or 1.1.0 with this library loaded: events
    // then go to the outbox alone, as those versions wrote them.
    Oid endpoints_relid = InvalidOid;
    Oid deliveries_relid = InvalidOid;
    // The outbox payload's attstorage: `p` or `e` (a DBA's SET STORAGE
    // PLAIN or EXTERNAL) means never compressed inline (payload_storage.hpp).
    char payload_storage = TYPSTORAGE_EXTENDED;
    bool has_endpoints() const {
        return OidIsValid(endpoints_relid) && OidIsValid(deliveries_relid);
    }
};

// False when the extension is not created in the current database.
// PostgreSQL side (catalog access).
bool current_extension(CachedExtension *out);

}  // namespace booking_events
