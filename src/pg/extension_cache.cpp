#include "pg/extension_cache.hpp"

namespace booking_events {

namespace {

CachedExtension cached;
bool cached_valid = false;
bool callback_registered = false;

// Any pg_class change may be our outbox dropped, created or moved; the
// lookup that follows is two catalog reads.
void on_pg_class_change(Datum, int, uint32) { cached_valid = false; }

}  // namespace

bool current_extension(CachedExtension *out) {
    if (!callback_registered) {
        CacheRegisterSyscacheCallback(RELOID, on_pg_class_change, (Datum)0);
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
        }
    }
    *out = cached;
    return cached_valid;
}

}  // namespace booking_events
