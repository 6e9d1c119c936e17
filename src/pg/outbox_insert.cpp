#include "pg/outbox_insert.hpp"

#include <vector>

#include "pg/boundary.hpp"
#include "pg/direct_insert.hpp"
#include "pg/encoding.hpp"
#include "pg/endpoint_routing.hpp"
#include "pg/identity.hpp"
#include "pg/kept_plan.hpp"
#include "pg/payload_storage.hpp"
#include "pg/shared_state.hpp"

namespace booking_events {

namespace {

// Prepared for one outbox table: DROP and CREATE EXTENSION give a new one.
// A database still at 1.0.0 or 1.1.0 gets the outbox row alone; from 1.2.0
// on each endpoint the event goes to gets a webhook_deliveries row too.
// Plain INSERT ... VALUES statements, one per row: a single statement of two
// INSERTs in CTEs (with a RETURNING materialized for the second and an
// unnest) cost the trigger more than twice as much executor time per event.
KeptPlan outbox_insert_plan;
KeptPlan unrouted_insert_plan;
KeptPlan delivery_insert_plan;

const char *const kOutboxColumns = "event_id, event_type, booking_id, payload";
const char *const kOutboxValues = "$1::pg_catalog.uuid, $2, $3, $4";

// PostgreSQL side, as the owner. `extra_columns` and `extra_values` add
// columns after the four every event has (each starting with ", ").
void prepare_event_insert(KeptPlan *kept, const CachedExtension &extension,
                          const char *extra_columns, const char *extra_values) {
    StringInfoData query;
    initStringInfo(&query);
    appendStringInfo(&query, "INSERT INTO %s (%s%s) VALUES (%s%s) RETURNING id",
                     qualified_extension_object(extension.info, "webhook_outbox"), kOutboxColumns,
                     extra_columns, kOutboxValues, extra_values);
    Oid types[4] = {TEXTOID, TEXTOID, TEXTOID, JSONBOID};
    // Run under force_generic_plans() (insert_into_outbox).
    prepare_kept_plan(kept, extension.outbox_relid, query.data, 4, types);
}

void prepare_outbox_insert(const CachedExtension &extension) {
    prepare_event_insert(&outbox_insert_plan, extension, "", "");
}

// An event no endpoint wants is done when it is written: `delivered`, with
// the reason in last_error, so it is visible and never pending forever.
void prepare_unrouted_insert(const CachedExtension &extension) {
    prepare_event_insert(&unrouted_insert_plan, extension, ", status, delivered_at, last_error",
                         ", 'delivered', pg_catalog.now(), "
                         "pg_catalog.concat('no endpoint subscribed to ', $2)");
}

void prepare_delivery_insert(const CachedExtension &extension) {
    StringInfoData query;
    initStringInfo(&query);
    appendStringInfo(&query, "INSERT INTO %s (outbox_id, endpoint, booking_id) VALUES ($1, $2, $3)",
                     qualified_extension_object(extension.info, "webhook_deliveries"));
    Oid types[3] = {INT8OID, TEXTOID, TEXTOID};
    prepare_kept_plan(&delivery_insert_plan, extension.deliveries_relid, query.data, 3, types);
}

// PostgreSQL side: the kept plan, prepared first if it is not ready.
SPIPlanPtr ready_plan(KeptPlan *kept, Oid target, const CachedExtension &extension,
                      void (*prepare)(const CachedExtension &)) {
    if (!kept_plan_ready(*kept, target)) prepare(extension);
    return kept->plan;
}

// The same rows, written without the executor (direct_insert.hpp) while the
// tables are as the extension made them. From 1.2.0 on only: a database
// still at an older version keeps the statements it was released with.
const SuppliedColumn kEventColumns[] = {{"event_id", UUIDOID},   {"event_type", TEXTOID},
                                        {"booking_id", TEXTOID}, {"payload", JSONBOID},
                                        {"status", TEXTOID},     {"delivered_at", TIMESTAMPTZOID},
                                        {"last_error", TEXTOID}};
const SuppliedColumn kDeliveryColumns[] = {
    {"outbox_id", INT8OID}, {"endpoint", TEXTOID}, {"booking_id", TEXTOID}};
DirectTarget direct_outbox{kEventColumns, 4, "id"};
DirectTarget direct_unrouted{kEventColumns, 7, "id"};
DirectTarget direct_delivery{kDeliveryColumns, 3, nullptr};

// PostgreSQL side. `values` as the statements take them (event id as text).
bool insert_event_directly(const CachedExtension &extension, bool unrouted, const Datum *values,
                           const char *nulls, int64 *outbox_id) {
    Datum row[7] = {DirectFunctionCall1(uuid_in, DirectFunctionCall1(textout, values[0])),
                    values[1], values[2], values[3]};
    bool row_nulls[7] = {false, false, nulls[2] == 'n', false, true, true, true};
    if (unrouted) {
        row[4] = CStringGetTextDatum("delivered");
        row[5] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
        row[6] = CStringGetTextDatum(
            psprintf("no endpoint subscribed to %s", TextDatumGetCString(values[1])));
        row_nulls[4] = row_nulls[5] = row_nulls[6] = false;
    }
    Datum id = (Datum)0;
    if (!insert_directly(unrouted ? &direct_unrouted : &direct_outbox, extension.outbox_relid, row,
                         row_nulls, &id))
        return false;
    *outbox_id = DatumGetInt64(id);
    return true;
}

}  // namespace

int64 insert_into_outbox(const CachedExtension &extension, const std::string &event_id,
                         const std::string &event_type,
                         const std::optional<std::string> &booking_id, Datum payload) {
    const bool routed = extension.has_endpoints();
    std::vector<std::string> endpoints;
    if (routed) endpoints = route_event(extension, event_type);
    int64 outbox_id = 0;
    pg_call([&] {
        Datum booking =
            booking_id
                ? CStringGetTextDatum(utf8_to_server(booking_id->c_str(), booking_id->size()))
                : (Datum)0;
        Datum values[4] = {
            CStringGetTextDatum(event_id.c_str()),
            CStringGetTextDatum(utf8_to_server(event_type.c_str(), event_type.size())), booking,
            stored_payload(payload, extension.payload_storage)};
        const char nulls[4] = {' ', ' ', booking_id ? ' ' : 'n', ' '};
        const SavedIdentity saved = enter_restricted_identity(extension.info.owner_oid);
        const bool unrouted = routed && endpoints.empty();
        if (!routed || !insert_event_directly(extension, unrouted, values, nulls, &outbox_id)) {
            // A custom plan would fold the parameters into constants, and
            // makeConst decompresses the payload: it would be stored as it is.
            force_generic_plans();
            SPIPlanPtr plan = unrouted ? ready_plan(&unrouted_insert_plan, extension.outbox_relid,
                                                    extension, prepare_unrouted_insert)
                                       : ready_plan(&outbox_insert_plan, extension.outbox_relid,
                                                    extension, prepare_outbox_insert);
            int result = SPI_execute_plan(plan, values, nulls, false, 1);
            if (result != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
                elog(ERROR, "booking_events: outbox insert failed: %d", result);
            bool is_null = false;
            outbox_id = DatumGetInt64(
                SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
        }
        // Endpoint names are ASCII (webhook_endpoints_name_check).
        for (const std::string &endpoint : endpoints) {
            Datum delivery[3] = {Int64GetDatum(outbox_id), CStringGetTextDatum(endpoint.c_str()),
                                 booking};
            const bool delivery_nulls[3] = {false, false, !booking_id};
            if (insert_directly(&direct_delivery, extension.deliveries_relid, delivery,
                                delivery_nulls, nullptr))
                continue;
            SPIPlanPtr plan = ready_plan(&delivery_insert_plan, extension.deliveries_relid,
                                         extension, prepare_delivery_insert);
            const int result = SPI_execute_plan(plan, delivery, nulls, false, 0);
            if (result != SPI_OK_INSERT || SPI_processed != 1)
                elog(ERROR, "booking_events: delivery insert failed: %d", result);
        }
        // As after an SPI statement: what follows in this transaction (the
        // manual trigger's caller, an AFTER trigger of the application's)
        // sees the rows.
        if (routed) CommandCounterIncrement();
        leave_identity(saved);
        if (!routed || !endpoints.empty()) wake_worker_on_commit();
    });
    return outbox_id;
}

}  // namespace booking_events
