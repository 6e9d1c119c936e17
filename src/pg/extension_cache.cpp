#include "pg/extension_cache.hpp"

namespace booking_events {

namespace {

CachedExtension cached;
bool cached_valid = false;
bool callback_registered = false;

// Any pg_class change may be our outbox dropped, created or moved; the
// lookup that follows is two catalog reads.
void on_pg_class_change(Datum, int, uint32) { cached_valid = false; }

// ALTER TABLE ... SET STORAGE changes pg_attribute alone: the outbox's
// relcache invalidation (or a reset of them all) says so.
void on_relcache_change(Datum, Oid relid) {
    if (relid == InvalidOid || relid == cached.outbox_relid) cached_valid = false;
}

char attribute_storage(Oid relid, const char *name) {
    HeapTuple tuple = SearchSysCacheAttName(relid, name);
    if (!HeapTupleIsValid(tuple)) return TYPSTORAGE_EXTENDED;
    const char storage = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tuple))->attstorage;
    ReleaseSysCache(tuple);
    return storage;
}

}  // namespace

bool current_extension(CachedExtension *out) {
    if (!callback_registered) {
        CacheRegisterSyscacheCallback(RELOID, on_pg_class_change, (Datum)0);
        CacheRegisterRelcacheCallback(on_relcache_change, (Datum)0);
        callback_registered = true;
    }
    if (!cached_valid) {
        cached = CachedExtension{};
        if (lookup_extension(&cached.info)) {
            cached.outbox_relid = get_relname_relid("webhook_outbox", cached.info.schema_oid);
            cached.endpoints_relid = get_relname_relid("webhook_endpoints", cached.info.schema_oid);
            cached.deliveries_relid =
                get_relname_relid("webhook_deliveries", cached.info.schema_oid);
            // Only a complete installation is remembered; CREATE EXTENSION
            // runs its script (and fires no trigger of ours) before that.
            cached_valid = OidIsValid(cached.outbox_relid);
            if (cached_valid)
                cached.payload_storage = attribute_storage(cached.outbox_relid, "payload");
        }
    }
    *out = cached;
    return cached_valid;
}

}  // namespace booking_events
