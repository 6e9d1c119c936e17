#include "pg/outbox_insert.hpp"

#include <vector>

#include "pg/boundary.hpp"
#include "pg/encoding.hpp"
#include "pg/endpoint_routing.hpp"
#include "pg/identity.hpp"
#include "pg/kept_plan.hpp"
#include "pg/shared_state.hpp"

namespace booking_events {

namespace {

// Prepared for one outbox table: DROP and CREATE EXTENSION give a new one.
// A database still at 1.0.0 or 1.1.0 gets the outbox row alone; from 1.2.0
// on the event and its deliveries are one statement (one plan, one
// executor start per row, which the trigger's insert rate depends on).
KeptPlan outbox_insert_plan;
KeptPlan routed_insert_plan;

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

// An event no endpoint wants is done when it is written: `delivered`, with
// the reason in last_error, so it is visible and never pending forever.
void prepare_routed_insert(const CachedExtension &extension) {
    StringInfoData query;
    initStringInfo(&query);
    appendStringInfo(
        &query,
        "WITH o AS ("
        "  INSERT INTO %s (event_id, event_type, booking_id, payload, status, delivered_at, "
        "                  last_error) "
        "  SELECT $1::pg_catalog.uuid, $2, $3, $4::pg_catalog.jsonb, "
        "         CASE WHEN unrouted THEN 'delivered' ELSE 'pending' END, "
        "         CASE WHEN unrouted THEN pg_catalog.now() END, "
        "         CASE WHEN unrouted "
        "              THEN pg_catalog.concat('no endpoint subscribed to ', $2) END "
        "  FROM (SELECT pg_catalog.cardinality($5) = 0 AS unrouted) r "
        "  RETURNING id, booking_id"
        "), d AS ("
        "  INSERT INTO %s (outbox_id, endpoint, booking_id) "
        "  SELECT o.id, e.name, o.booking_id FROM o, pg_catalog.unnest($5) AS e(name)"
        ") SELECT id FROM o",
        qualified_extension_object(extension.info, "webhook_outbox"),
        qualified_extension_object(extension.info, "webhook_deliveries"));
    Oid types[5] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID};
    prepare_kept_plan(&routed_insert_plan, extension.deliveries_relid, query.data, 5, types);
}

// PostgreSQL side. Endpoint names are ASCII (webhook_endpoints_name_check).
Datum endpoint_array(const std::vector<std::string> &endpoints) {
    const int count = static_cast<int>(endpoints.size());
    auto *datums = static_cast<Datum *>(palloc(sizeof(Datum) * (count + 1)));
    for (int i = 0; i < count; ++i) datums[i] = CStringGetTextDatum(endpoints[i].c_str());
    return PointerGetDatum(construct_array(datums, count, TEXTOID, -1, false, TYPALIGN_INT));
}

}  // namespace

int64 insert_into_outbox(const CachedExtension &extension, const std::string &event_id,
                         const std::string &event_type,
                         const std::optional<std::string> &booking_id, const std::string &body) {
    const bool routed = extension.has_endpoints();
    std::vector<std::string> endpoints;
    if (routed) endpoints = route_event(extension, event_type);
    int64 outbox_id = 0;
    pg_call([&] {
        Datum values[5] = {
            CStringGetTextDatum(event_id.c_str()),
            CStringGetTextDatum(utf8_to_server(event_type.c_str(), event_type.size())),
            booking_id
                ? CStringGetTextDatum(utf8_to_server(booking_id->c_str(), booking_id->size()))
                : (Datum)0,
            CStringGetTextDatum(utf8_to_server(body.c_str(), body.size())),
            routed ? endpoint_array(endpoints) : (Datum)0};
        const char nulls[5] = {' ', ' ', booking_id ? ' ' : 'n', ' ', ' '};
        const SavedIdentity saved = enter_restricted_identity(extension.info.owner_oid);
        SPIPlanPtr plan = nullptr;
        if (routed) {
            if (!kept_plan_ready(routed_insert_plan, extension.deliveries_relid))
                prepare_routed_insert(extension);
            plan = routed_insert_plan.plan;
        } else {
            if (!kept_plan_ready(outbox_insert_plan, extension.outbox_relid))
                prepare_outbox_insert(extension);
            plan = outbox_insert_plan.plan;
        }
        const int result = SPI_execute_plan(plan, values, nulls, false, 1);
        leave_identity(saved);
        const int expected = routed ? SPI_OK_SELECT : SPI_OK_INSERT_RETURNING;
        if (result != expected || SPI_processed != 1)
            elog(ERROR, "booking_events: outbox insert failed: %d", result);
        bool is_null = false;
        outbox_id =
            DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
        if (!routed || !endpoints.empty()) wake_worker_on_commit();
    });
    return outbox_id;
}

}  // namespace booking_events
