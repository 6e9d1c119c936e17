#include "pg/database_identity.hpp"

#include "pg/boundary.hpp"
#include "pg/postgres_headers.hpp"

extern "C" {
#include "access/xlog.h"
#include "parser/parse_func.h"
}

namespace booking_events {

namespace {

// Whether the last look found copied events, so that the log gets one line
// per change and not one per claim.
bool holding_logged = false;

}  // namespace

bool holding_copied_events(const ExtensionInfo &extension) {
    int64 copied = 0;
    pg_call([&] {
        // An extension still at version 1.0.0 has no origin to compare.
        List *name = list_make2(makeString(get_namespace_name(extension.schema_oid)),
                                makeString(pstrdup("booking_events_copied_pending")));
        if (!OidIsValid(LookupFuncName(name, 0, nullptr, true))) return;
        char *query = psprintf(
            "SELECT %s()", qualified_extension_object(extension, "booking_events_copied_pending"));
        if (SPI_execute(query, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
            elog(ERROR, "booking_events: could not count copied events");
        bool is_null = false;
        const Datum count =
            SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
        copied = is_null ? 0 : DatumGetInt64(count);
        pfree(query);
    });
    const bool holding = copied > 0;
    if (holding != holding_logged) {
        holding_logged = holding;
        pg_call([&] {
            if (holding)
                ereport(LOG, (errmsg("booking_events worker: %lld pending events were written in "
                                     "another database (a restored copy?); nothing is sent",
                                     static_cast<long long>(copied)),
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
    pg_call([&] {
        char identity[64];
        snprintf(identity, sizeof(identity), UINT64_FORMAT "/%u", GetSystemIdentifier(),
                 MyDatabaseId);
        result = PointerGetDatum(cstring_to_text(identity));
    });
    return result;
}

}  // namespace

}  // namespace booking_events

BOOKING_EVENTS_SQL_FUNCTION(booking_events_database_identity, booking_events::database_identity)
