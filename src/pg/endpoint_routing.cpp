#include "pg/endpoint_routing.hpp"

#include "core/endpoint_name.hpp"
#include "core/event_type_pattern.hpp"
#include "pg/boundary.hpp"
#include "pg/identity.hpp"
#include "pg/settings.hpp"
#include "pg/shared_state.hpp"

namespace booking_events {

namespace {

struct RoutedEndpoint {
    std::string name;
    std::vector<EventTypePattern> patterns;
};

struct EndpointTable {
    Oid relid = InvalidOid;  // the table the list was read from
    std::uint64_t read_at_generation = 0;
    std::vector<RoutedEndpoint> named;  // every endpoint but `default`
    bool has_default = false;
    std::vector<EventTypePattern> default_patterns;
};

EndpointTable table;
Oid watched_relid = InvalidOid;
std::uint64_t generation = 1;
bool callback_registered = false;

// InvalidOid: the whole relcache was reset (a lost invalidation message).
void on_relcache_change(Datum, Oid relid) {
    if (relid == InvalidOid || relid == watched_relid) ++generation;
}

// What SPI returned, in PostgreSQL memory: no C++ object lives while the
// reading may raise an ERROR.
struct RawEndpoints {
    int count = 0;
    char **names = nullptr;
    int *pattern_counts = nullptr;
    char ***patterns = nullptr;
};

// PostgreSQL side, as the extension's owner with search_path pinned: the
// table is not readable by the roles that fire the trigger.
RawEndpoints read_endpoints(const CachedExtension &extension) {
    const char *query = psprintf("SELECT name, event_types FROM %s",
                                 qualified_extension_object(extension.info, "webhook_endpoints"));
    const SavedIdentity saved = enter_restricted_identity(extension.info.owner_oid);
    if (SPI_execute(query, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "booking_events: reading webhook_endpoints failed");
    leave_identity(saved);
    RawEndpoints raw;
    raw.count = static_cast<int>(SPI_processed);
    raw.names = static_cast<char **>(palloc0(sizeof(char *) * (raw.count + 1)));
    raw.pattern_counts = static_cast<int *>(palloc0(sizeof(int) * (raw.count + 1)));
    raw.patterns = static_cast<char ***>(palloc0(sizeof(char **) * (raw.count + 1)));
    for (int i = 0; i < raw.count; ++i) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        raw.names[i] = SPI_getvalue(tuple, SPI_tuptable->tupdesc, 1);
        bool is_null = false;
        Datum types = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &is_null);
        if (is_null) continue;
        Datum *elements = nullptr;
        bool *nulls = nullptr;
        int element_count = 0;
        deconstruct_array(DatumGetArrayTypeP(types), TEXTOID, -1, false, TYPALIGN_INT, &elements,
                          &nulls, &element_count);
        raw.patterns[i] = static_cast<char **>(palloc0(sizeof(char *) * (element_count + 1)));
        for (int j = 0; j < element_count; ++j)
            raw.patterns[i][j] = nulls[j] ? nullptr : TextDatumGetCString(elements[j]);
        raw.pattern_counts[i] = element_count;
    }
    return raw;
}

// A pattern the admin functions would refuse (written into the table by
// hand) matches nothing: routing never fails the application's INSERT.
std::vector<EventTypePattern> valid_patterns(char *const *texts, int count) {
    std::vector<EventTypePattern> patterns;
    for (int i = 0; i < count; ++i) {
        if (texts[i] == nullptr || event_type_pattern_problem(texts[i])) continue;
        EventTypePatternList parsed = parse_event_type_patterns({texts[i]});
        patterns.insert(patterns.end(), parsed.patterns.begin(), parsed.patterns.end());
    }
    return patterns;
}

void reload_endpoints(const CachedExtension &extension) {
    RawEndpoints raw;
    pg_call([&] { raw = read_endpoints(extension); });
    EndpointTable fresh;
    fresh.relid = extension.endpoints_relid;
    fresh.read_at_generation = generation;
    for (int i = 0; i < raw.count; ++i) {
        if (raw.names[i] == nullptr) continue;
        std::vector<EventTypePattern> patterns =
            valid_patterns(raw.patterns[i], raw.pattern_counts[i]);
        if (kDefaultEndpointName == raw.names[i]) {
            fresh.has_default = true;
            fresh.default_patterns = std::move(patterns);
        } else {
            fresh.named.push_back(RoutedEndpoint{raw.names[i], std::move(patterns)});
        }
    }
    table = std::move(fresh);
}

}  // namespace

std::uint64_t endpoints_generation(Oid endpoints_relid) {
    if (!callback_registered) {
        pg_call([] { CacheRegisterRelcacheCallback(on_relcache_change, (Datum)0); });
        callback_registered = true;
    }
    if (endpoints_relid != watched_relid) {
        watched_relid = endpoints_relid;
        ++generation;
    }
    return generation;
}

std::vector<std::string> route_event(const CachedExtension &extension,
                                     const std::string &event_type) {
    const std::uint64_t current = endpoints_generation(extension.endpoints_relid);
    if (table.relid != extension.endpoints_relid || table.read_at_generation != current)
        reload_endpoints(extension);
    std::vector<std::string> routed;
    const bool url_set = setting_webhook_url != nullptr && setting_webhook_url[0] != '\0';
    if (table.has_default && (url_set || table.named.empty()) &&
        event_type_matches_any(table.default_patterns, event_type))
        routed.emplace_back(kDefaultEndpointName);
    for (const RoutedEndpoint &endpoint : table.named)
        if (event_type_matches_any(endpoint.patterns, event_type)) routed.push_back(endpoint.name);
    return routed;
}

}  // namespace booking_events

namespace {

// booking_events_endpoints_changed(): the statement trigger on
// webhook_endpoints. Row changes send no invalidation of their own; this one
// reaches every backend when the transaction commits (and this backend at
// its next command), so each reads the endpoints again before it routes.
Datum note_endpoints_changed(FunctionCallInfo fcinfo) {
    bool usage_error = false;
    booking_events::pg_call([&] {
        if (!CALLED_AS_TRIGGER(fcinfo)) {
            usage_error = true;
            return;
        }
        auto *data = reinterpret_cast<TriggerData *>(fcinfo->context);
        CacheInvalidateRelcacheByRelid(RelationGetRelid(data->tg_relation));
        // A worker with nowhere to send opens no transaction for ordinary
        // commits, and learns of an endpoint only inside one.
        booking_events::ask_worker_to_look_on_commit();
    });
    if (usage_error)
        throw booking_events::SqlError(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
                                       "booking_events_endpoints_changed() must be a trigger");
    return PointerGetDatum(nullptr);
}

}  // namespace

BOOKING_EVENTS_SQL_FUNCTION(booking_events_endpoints_changed, note_endpoints_changed)
