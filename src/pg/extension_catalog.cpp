#include "pg/extension_catalog.hpp"

extern "C" {
#include "storage/lmgr.h"
}

namespace booking_events {

bool lookup_extension(ExtensionInfo *info) {
    *info = ExtensionInfo{};
    Relation catalog = table_open(ExtensionRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
                CStringGetDatum("booking_events"));
    SysScanDesc scan = systable_beginscan(catalog, ExtensionNameIndexId, true, nullptr, 1, &key);
    HeapTuple tuple = systable_getnext(scan);
    if (HeapTupleIsValid(tuple)) {
        auto *row = reinterpret_cast<Form_pg_extension>(GETSTRUCT(tuple));
        info->extension_oid = row->oid;
        info->schema_oid = row->extnamespace;
        info->owner_oid = row->extowner;
    }
    systable_endscan(scan);
    table_close(catalog, AccessShareLock);
    return OidIsValid(info->extension_oid);
}

bool lock_extension(ExtensionInfo *info) {
    // DROP EXTENSION locks the extension before the tables it drops; taking
    // the same lock first, before any table, means a worker transaction and
    // a DROP wait for each other in one order and never deadlock. Looked up
    // again once the lock is held: a DROP that committed meanwhile is seen.
    LockDatabaseObject(ExtensionRelationId, info->extension_oid, 0, AccessShareLock);
    const Oid locked = info->extension_oid;
    if (lookup_extension(info) && info->extension_oid == locked) return true;
    UnlockDatabaseObject(ExtensionRelationId, locked, 0, AccessShareLock);
    return lookup_extension(info) && lock_extension(info);
}

ExtensionInfo installed_extension() {
    ExtensionInfo extension;
    if (!lookup_extension(&extension))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("extension \"booking_events\" is not installed in this database")));
    return extension;
}

char *qualified_extension_object(const ExtensionInfo &info, const char *name) {
    return quote_qualified_identifier(get_namespace_name(info.schema_oid), name);
}

}  // namespace booking_events
