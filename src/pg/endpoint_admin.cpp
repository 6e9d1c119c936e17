// webhook_endpoint_set() and the origin shown by webhook_endpoints_status:
// the endpoint functions that need C++ (the validators of src/core). The
// other endpoint functions are plain SQL in the upgrade script.
//
// webhook_endpoint_set runs as the extension's owner (SECURITY DEFINER with
// a pinned search_path), so a role granted EXECUTE can write the endpoints
// table without reading it; every object it touches is named with the
// extension's schema, and nothing the caller passes is ever run.
#include <optional>
#include <string>
#include <vector>

#include "core/endpoint_check.hpp"
#include "core/event_type_pattern.hpp"
#include "core/webhook_url.hpp"
#include "pg/boundary.hpp"
#include "pg/extension_catalog.hpp"
#include "pg/log_redaction.hpp"
#include "pg/settings.hpp"
#include "pg/shared_state.hpp"
#include "pg/sql_values.hpp"

namespace booking_events {

namespace {

std::string optional_text_argument(FunctionCallInfo fcinfo, int index) {
    return PG_ARGISNULL(index) ? std::string() : text_argument(fcinfo, index);
}

[[noreturn]] void refuse_null(const char *argument) {
    throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED,
                   std::string("webhook_endpoint_set: ") + argument + " must not be NULL");
}

std::vector<std::string> text_array_argument(FunctionCallInfo fcinfo, int index) {
    std::vector<std::string> items;
    bool has_null = false;
    pg_call([&] {
        Datum *elements = nullptr;
        bool *nulls = nullptr;
        int count = 0;
        deconstruct_array(PG_GETARG_ARRAYTYPE_P(index), TEXTOID, -1, false, TYPALIGN_INT, &elements,
                          &nulls, &count);
        for (int i = 0; i < count && !has_null; ++i) {
            if (nulls[i])
                has_null = true;
            else
                items.emplace_back(TextDatumGetCString(elements[i]));
        }
    });
    if (has_null) refuse_null("an element of event_types");
    return items;
}

// The patterns as they will be matched: duplicates gone, in the order given.
std::vector<std::string> normalized_patterns(const std::vector<std::string> &event_types) {
    std::vector<std::string> texts;
    for (const EventTypePattern &pattern : parse_event_type_patterns(event_types).patterns)
        texts.push_back(pattern_text(pattern));
    return texts;
}

void store_endpoint(const EndpointDefinition &definition) {
    const Datum patterns = text_array_datum(normalized_patterns(definition.event_types));
    pg_call([&] {
        const ExtensionInfo extension = installed_extension();
        const char *endpoints = qualified_extension_object(extension, "webhook_endpoints");
        char *query = psprintf(
            "INSERT INTO %s AS e (name, url, event_types, max_per_second, batch_max, api_key, "
            "signing_secret) VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT (name) DO UPDATE SET url = excluded.url, "
            "event_types = excluded.event_types, max_per_second = excluded.max_per_second, "
            "batch_max = excluded.batch_max, api_key = excluded.api_key, "
            "signing_secret = excluded.signing_secret, updated_at = pg_catalog.now()",
            endpoints);
        Oid types[7] = {TEXTOID, TEXTOID, TEXTARRAYOID, FLOAT4OID, INT4OID, TEXTOID, TEXTOID};
        Datum values[7] = {
            CStringGetTextDatum(definition.name.c_str()),
            CStringGetTextDatum(definition.url.c_str()),
            patterns,
            Float4GetDatum(static_cast<float4>(definition.max_per_second.value_or(0))),
            Int32GetDatum(static_cast<int32>(definition.batch_max)),
            CStringGetTextDatum(definition.api_key.c_str()),
            CStringGetTextDatum(definition.signing_secret.c_str())};
        const char nulls[7] = {' ',
                               ' ',
                               ' ',
                               definition.max_per_second ? ' ' : 'n',
                               ' ',
                               definition.api_key.empty() ? 'n' : ' ',
                               definition.signing_secret.empty() ? 'n' : ' '};
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "booking_events: SPI_connect failed");
        if (SPI_execute_with_args(query, 7, types, values, nulls, false, 0) != SPI_OK_INSERT)
            elog(ERROR, "booking_events: could not store the endpoint");
        SPI_finish();
    });
}

Datum endpoint_set(FunctionCallInfo fcinfo) {
    const char *const required[] = {"name", "url", "event_types", nullptr, "batch_max"};
    for (int i = 0; i < 5; ++i)
        if (required[i] != nullptr && PG_ARGISNULL(i)) refuse_null(required[i]);
    EndpointDefinition definition;
    definition.name = text_argument(fcinfo, 0);
    definition.url = text_argument(fcinfo, 1);
    definition.event_types = text_array_argument(fcinfo, 2);
    if (!PG_ARGISNULL(3)) definition.max_per_second = PG_GETARG_FLOAT4(3);
    definition.batch_max = PG_GETARG_INT32(4);
    definition.api_key = optional_text_argument(fcinfo, 5);
    definition.signing_secret = optional_text_argument(fcinfo, 6);
    // Known to the log's by-value redaction before anything can fail and
    // print them (an error's context may quote the arguments).
    remember_endpoint_secrets(definition.url.c_str(), definition.api_key.c_str(),
                              definition.signing_secret.c_str());
    if (std::optional<EndpointRefusal> refusal = endpoint_definition_problem(definition))
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, refusal->message, "", refusal->hint);
    store_endpoint(definition);
    pg_call([] { wake_worker_on_commit(); });
    PG_RETURN_VOID();
}

// booking_events_endpoint_origin(url): scheme://host[:port] of an
// endpoint's URL; NULL (the `default` row) means booking_events.webhook_url,
// which callers of webhook_endpoints_status may not read themselves. NULL
// when that setting is empty.
Datum endpoint_origin(FunctionCallInfo fcinfo) {
    const std::string url = PG_ARGISNULL(0)
                                ? std::string(setting_webhook_url ? setting_webhook_url : "")
                                : text_argument(fcinfo, 0);
    if (url.empty()) PG_RETURN_NULL();
    const std::string origin = url_origin(url);
    Datum result = (Datum)0;
    pg_call([&] { result = CStringGetTextDatum(origin.c_str()); });
    return result;
}

}  // namespace

}  // namespace booking_events

BOOKING_EVENTS_SQL_FUNCTION(webhook_endpoint_set, booking_events::endpoint_set)
BOOKING_EVENTS_SQL_FUNCTION(booking_events_endpoint_origin, booking_events::endpoint_origin)
