#include "pg/endpoint_lookup.hpp"

#include <cstdlib>
#include <string_view>

#include "pg/boundary.hpp"
#include "pg/extension_catalog.hpp"
#include "pg/log_redaction.hpp"

namespace booking_events {

namespace {

constexpr int kColumns = 10;

std::vector<std::string> pattern_lines(const std::string &patterns) {
    std::vector<std::string> lines;
    for (std::size_t start = 0; start <= patterns.size();) {
        std::size_t end = patterns.find('\n', start);
        if (end == std::string::npos) end = patterns.size();
        lines.push_back(patterns.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

}  // namespace

bool endpoints_installed() {
    bool installed = false;
    pg_call([&] {
        ExtensionInfo extension;
        installed = lookup_extension(&extension) &&
                    OidIsValid(get_relname_relid("webhook_endpoints", extension.schema_oid));
    });
    return installed;
}

std::vector<EndpointRow> read_endpoints(const std::optional<std::string> &only) {
    MemoryContext caller = CurrentMemoryContext;
    char **cells = nullptr;
    uint64 row_count = 0;
    pg_call([&] {
        const ExtensionInfo extension = installed_extension();
        // One text column per field keeps the reading simple; the arrays
        // come back one pattern per line (patterns hold no newline).
        char *query = psprintf(
            "SELECT e.name, coalesce(e.url, ''), "
            "pg_catalog.array_to_string(e.event_types, E'\\n'), "
            "coalesce(e.max_per_second::text, ''), e.batch_max::text, "
            "coalesce(e.signing_secret, ''), coalesce(e.api_key, ''), e.paused::text, "
            "(SELECT count(*) FROM %s d WHERE d.endpoint = e.name AND d.status = 'pending')::text, "
            "coalesce((SELECT s.state FROM %s s WHERE s.name = e.name), '') "
            "FROM %s e WHERE $1 IS NULL OR e.name = $1 ORDER BY e.name",
            qualified_extension_object(extension, "webhook_deliveries"),
            qualified_extension_object(extension, "webhook_endpoint_state"),
            qualified_extension_object(extension, "webhook_endpoints"));
        Oid types[1] = {TEXTOID};
        Datum values[1] = {only ? CStringGetTextDatum(only->c_str()) : (Datum)0};
        const char nulls[1] = {only ? ' ' : 'n'};
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "booking_events: SPI_connect failed");
        if (SPI_execute_with_args(query, 1, types, values, nulls, true, 0) != SPI_OK_SELECT)
            elog(ERROR, "booking_events: could not read the endpoints");
        // Copied out as C strings: no C++ object lives while PostgreSQL may
        // raise an error.
        row_count = SPI_processed;
        cells = static_cast<char **>(
            MemoryContextAllocZero(caller, sizeof(char *) * kColumns * (row_count + 1)));
        for (uint64 row = 0; row < row_count; ++row)
            for (int column = 0; column < kColumns; ++column) {
                char *value =
                    SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, column + 1);
                cells[row * kColumns + column] = MemoryContextStrdup(caller, value ? value : "");
            }
        SPI_finish();
    });
    std::vector<EndpointRow> rows;
    for (uint64 row = 0; row < row_count; ++row) {
        char **cell = cells + row * kColumns;
        EndpointRow endpoint;
        StoredEndpoint &stored = endpoint.stored;
        stored.name = cell[0];
        stored.url = cell[1];
        stored.event_types = pattern_lines(cell[2]);
        if (cell[3][0] != '\0') stored.max_per_second = std::strtod(cell[3], nullptr);
        stored.batch_max = std::strtoll(cell[4], nullptr, 10);
        stored.signing_secret = cell[5];
        endpoint.api_key = cell[6];
        stored.paused = std::string_view(cell[7]) == "true";
        stored.pending = std::strtoll(cell[8], nullptr, 10);
        stored.state = cell[9];
        remember_endpoint_secrets(cell[1], cell[6], cell[5]);
        rows.push_back(std::move(endpoint));
    }
    if (only && rows.empty())
        throw SqlError(ERRCODE_UNDEFINED_OBJECT, "endpoint \"" + *only + "\" does not exist", "",
                       "SELECT name FROM webhook_endpoints_status lists the endpoints.");
    return rows;
}

}  // namespace booking_events
