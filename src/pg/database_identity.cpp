#include "pg/database_identity.hpp"

#include "pg/boundary.hpp"
#include "pg/kept_plan.hpp"
#include "pg/postgres_headers.hpp"

extern "C" {
#include "access/xlog.h"
}

namespace booking_events {

namespace {

// Whether the last look found copied events, so that the log gets one line
// per change and not one per claim.
bool holding_logged = false;

// Whether any pending event has another origin than this database: two
// probes of webhook_outbox_pending_origin_idx, one each side of this
// database's identity, each stopping at its first entry. The worker asks
// before every claim, so a copy loaded into the live outbox (pg_restore
// --data-only, COPY) is held from the first claim after it commits; the
// count booking_events_copied_pending() makes reads every pending event, and
// made each claim grow with the queue (BENCHMARKS.md, bottleneck 10).
KeptPlan copied_probe;

char *this_database_identity() {
    return psprintf(UINT64_FORMAT "/%u", GetSystemIdentifier(), MyDatabaseId);
}

// PostgreSQL side. An extension still at version 1.0.0 has no origin.
bool copied_pending_exists(const ExtensionInfo &extension) {
    const Oid outbox = get_relname_relid("webhook_outbox", extension.schema_oid);
    if (!OidIsValid(outbox) || get_attnum(outbox, "origin") == InvalidAttrNumber) return false;
    if (!kept_plan_ready(copied_probe, outbox)) {
        const char *table = qualified_extension_object(extension, "webhook_outbox");
        char *query = psprintf(
            "SELECT EXISTS (SELECT FROM %s WHERE status = 'pending' AND origin < $1) "
            "OR EXISTS (SELECT FROM %s WHERE status = 'pending' AND origin > $1)",
            table, table);
        Oid argument_type = TEXTOID;
        prepare_kept_plan(&copied_probe, outbox, query, 1, &argument_type);
    }
    Datum identity = CStringGetTextDatum(this_database_identity());
    if (SPI_execute_plan(copied_probe.plan, &identity, nullptr, true, 1) != SPI_OK_SELECT ||
        SPI_processed != 1)
        elog(ERROR, "booking_events: could not look for copied events");
    bool is_null = false;
    const Datum found = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
    return !is_null && DatumGetBool(found);
}

// PostgreSQL side: how many, for the log line when holding starts.
int64 copied_pending_count(const ExtensionInfo &extension) {
    char *query = psprintf("SELECT %s()",
                           qualified_extension_object(extension, "booking_events_copied_pending"));
    if (SPI_execute(query, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
        elog(ERROR, "booking_events: could not count copied events");
    bool is_null = false;
    const Datum count = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
    pfree(query);
    return is_null ? 0 : DatumGetInt64(count);
}

}  // namespace

bool holding_copied_events(const ExtensionInfo &extension) {
    bool holding = false;
    pg_call([&] { holding = copied_pending_exists(extension); });
    if (holding != holding_logged) {
        holding_logged = holding;
        pg_call([&] {
            if (holding)
                ereport(LOG, (errmsg("booking_events worker: %lld pending events were written in "
                                     "another database (a restored copy?); nothing is sent",
                                     static_cast<long long>(copied_pending_count(extension))),
                              errhint("Call booking_events_adopt(true) to send them from here, or "
                                      "booking_events_adopt(false) to mark them failed unsent.")));
            else
                ereport(LOG, (errmsg("booking_events worker: no copied events left; delivering")));
        });
    }
    return holding;
}

namespace {

// "<system identifier>/<database oid>": unique to one database of one
// cluster, and different in any copy made by pg_dump (another database has
// another oid, another cluster another system identifier). A physical
// standby shares it, so a promoted standby delivers as its primary did.
Datum database_identity(FunctionCallInfo) {
    Datum result = (Datum)0;
    pg_call([&] { result = PointerGetDatum(cstring_to_text(this_database_identity())); });
    return result;
}

}  // namespace

}  // namespace booking_events

BOOKING_EVENTS_SQL_FUNCTION(booking_events_database_identity, booking_events::database_identity)
