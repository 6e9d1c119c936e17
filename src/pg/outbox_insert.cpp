#include "pg/outbox_insert.hpp"

#include "pg/boundary.hpp"
#include "pg/encoding.hpp"
#include "pg/identity.hpp"
#include "pg/kept_plan.hpp"
#include "pg/shared_state.hpp"

namespace booking_events {

namespace {

// Prepared for one outbox table: DROP and CREATE EXTENSION give a new one.
KeptPlan outbox_insert_plan;

// PostgreSQL side, as the owner.
void prepare_outbox_insert(const CachedExtension &extension) {
    StringInfoData query;
    initStringInfo(&query);
    appendStringInfo(&query,
                     "INSERT INTO %s (event_id, event_type, booking_id, payload) "
                     "VALUES ($1::pg_catalog.uuid, $2, $3, $4::pg_catalog.jsonb) RETURNING id",
                     qualified_extension_object(extension.info, "webhook_outbox"));
    Oid types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
    prepare_kept_plan(&outbox_insert_plan, extension.outbox_relid, query.data, 4, types);
}

}  // namespace

int64 insert_into_outbox(const CachedExtension &extension, const std::string &event_id,
                         const std::string &event_type,
                         const std::optional<std::string> &booking_id, const std::string &body) {
    int64 outbox_id = 0;
    pg_call([&] {
        Datum values[4] = {
            CStringGetTextDatum(event_id.c_str()),
            CStringGetTextDatum(utf8_to_server(event_type.c_str(), event_type.size())),
            booking_id
                ? CStringGetTextDatum(utf8_to_server(booking_id->c_str(), booking_id->size()))
                : (Datum)0,
            CStringGetTextDatum(utf8_to_server(body.c_str(), body.size()))};
        const char nulls[4] = {' ', ' ', booking_id ? ' ' : 'n', ' '};
        const SavedIdentity saved = enter_restricted_identity(extension.info.owner_oid);
        if (!kept_plan_ready(outbox_insert_plan, extension.outbox_relid))
            prepare_outbox_insert(extension);
        const int result = SPI_execute_plan(outbox_insert_plan.plan, values, nulls, false, 1);
        leave_identity(saved);
        if (result != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
            elog(ERROR, "booking_events: outbox insert failed: %d", result);
        bool is_null = false;
        outbox_id =
            DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
        wake_worker_on_commit();
    });
    return outbox_id;
}

}  // namespace booking_events
