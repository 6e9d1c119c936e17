#include "pg/enrichment_tables.hpp"

#include <string>

#include "pg/boundary.hpp"
#include "pg/extension_cache.hpp"
#include "pg/settings.hpp"
#include "pg/version_compat.hpp"

namespace booking_events {

namespace {

struct Resolution {
    Oid relid = InvalidOid;
    const char *refusal = nullptr;  // why a relation found under the name is not used
};

const char *refusal_for(Oid relid) {
    switch (get_rel_relkind(relid)) {
        case RELKIND_RELATION:
        case RELKIND_PARTITIONED_TABLE:
            break;
        case RELKIND_VIEW:
            return "is a view";
        case RELKIND_MATVIEW:
            return "is a materialized view";
        case RELKIND_FOREIGN_TABLE:
            return "is a foreign table";
        default:
            return "is not a table";
    }
    if (get_rel_persistence(relid) == RELPERSISTENCE_TEMP) return "is a temporary table";
    return nullptr;
}

bool is_temporary_schema_name(const char *schema) {
    return strcmp(schema, "pg_temp") == 0 || strncmp(schema, "pg_temp_", 8) == 0 ||
           strncmp(schema, "pg_toast_temp_", 14) == 0;
}

// Catalog reads only, by name: no search_path, no privilege check of the
// session's role, so every session resolves a name to the same table.
Resolution resolve_table_name(const char *value, Oid extension_schema) {
    Resolution resolution;
    if (value == nullptr || value[0] == '\0') return resolution;
    List *names = qualified_name_list(value);
    if (list_length(names) == 2) {
        const char *schema = strVal(linitial(names));
        if (is_temporary_schema_name(schema)) {
            resolution.refusal = "is in a temporary schema";
            return resolution;
        }
        const Oid schema_oid = get_namespace_oid(schema, true);
        if (OidIsValid(schema_oid))
            resolution.relid = get_relname_relid(strVal(lsecond(names)), schema_oid);
    } else {
        const char *name = strVal(linitial(names));
        if (OidIsValid(extension_schema))
            resolution.relid = get_relname_relid(name, extension_schema);
        const Oid public_schema = get_namespace_oid("public", true);
        if (!OidIsValid(resolution.relid) && OidIsValid(public_schema))
            resolution.relid = get_relname_relid(name, public_schema);
    }
    if (OidIsValid(resolution.relid)) {
        resolution.refusal = refusal_for(resolution.relid);
        if (resolution.refusal != nullptr) resolution.relid = InvalidOid;
    }
    return resolution;
}

Oid current_extension_schema() {
    CachedExtension extension;
    return current_extension(&extension) ? extension.info.schema_oid : InvalidOid;
}

struct CachedTable {
    bool valid = false;
    std::string setting;
    Oid extension_schema = InvalidOid;
    Oid relid = InvalidOid;
};

CachedTable cached_bookings;
CachedTable cached_profiles;
bool callbacks_registered = false;

void on_catalog_change(Datum, int, uint32) {
    cached_bookings.valid = false;
    cached_profiles.valid = false;
}

Oid resolve_cached(CachedTable &cached, const char *setting_name, const char *value) {
    if (!callbacks_registered) {
        // A table created, renamed, dropped or turned into something else,
        // a schema renamed: resolve again.
        CacheRegisterSyscacheCallback(RELNAMENSP, on_catalog_change, (Datum)0);
        CacheRegisterSyscacheCallback(NAMESPACEOID, on_catalog_change, (Datum)0);
        callbacks_registered = true;
    }
    const char *current = value != nullptr ? value : "";
    const Oid extension_schema = current_extension_schema();
    if (cached.valid && cached.setting == current && cached.extension_schema == extension_schema)
        return cached.relid;
    const Resolution resolution = resolve_table_name(current, extension_schema);
    if (resolution.refusal != nullptr)
        ereport(WARNING,
                (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                 errmsg("booking_events: \"%s\" (%s) %s; its lookups are left out of events",
                        current, setting_name, resolution.refusal),
                 errhint("Name an ordinary or partitioned table, schema-qualified.")));
    cached.setting = current;
    cached.extension_schema = extension_schema;
    cached.relid = resolution.relid;
    cached.valid = true;
    return cached.relid;
}

}  // namespace

Oid resolve_bookings_table() {
    return resolve_cached(cached_bookings, "booking_events.bookings_table", setting_bookings_table);
}

Oid resolve_profiles_table() {
    return resolve_cached(cached_profiles, "booking_events.profiles_table", setting_profiles_table);
}

bool check_enrichment_table_setting(const char *setting_name, const char *value, GucSource source) {
    // ALTER SYSTEM checks the value while its statement runs; a reload
    // runs between statements, where no portal is active.
    if (source != PGC_S_FILE || !IsTransactionState() || ActivePortal == nullptr ||
        !OidIsValid(MyDatabaseId) || value == nullptr || value[0] == '\0')
        return true;
    const Resolution resolution = resolve_table_name(value, current_extension_schema());
    if (resolution.refusal != nullptr) {
        GUC_check_errdetail("\"%s\" %s in database \"%s\"; name an ordinary or partitioned table.",
                            value, resolution.refusal, get_database_name(MyDatabaseId));
        return false;
    }
    if (!OidIsValid(resolution.relid))
        ereport(
            WARNING,
            (errmsg("booking_events: %s = %s names no table in database \"%s\" yet", setting_name,
                    quote_literal_cstr(value), get_database_name(MyDatabaseId)),
             errhint("A schema-qualified name is looked up in that schema; an unqualified one in "
                     "the extension's schema, then in public.")));
    return true;
}

std::vector<std::string> enrichment_table_warnings() {
    std::vector<std::string> warnings;
    struct Setting {
        const char *name;
        const char *value;
        const char *part;  // what the events lose without it
    };
    const Setting settings[] = {
        {"booking_events.bookings_table", setting_bookings_table, "booking_details"},
        {"booking_events.profiles_table", setting_profiles_table, "client_info and provider_info"}};
    for (const auto &[name, value, part] : settings) {
        // Empty looks nothing up: a DBA who meant the default (RESET) would
        // otherwise lose the part without a word.
        if (value == nullptr || value[0] == '\0') {
            warnings.push_back(std::string(name) + " is empty: events go without " + part +
                               " (RESET it for the default)");
            continue;
        }
        Resolution resolution;
        pg_call([&] { resolution = resolve_table_name(value, current_extension_schema()); });
        const std::string subject = std::string(name) + " \"" + value + "\" ";
        if (resolution.refusal != nullptr)
            warnings.push_back(subject + resolution.refusal + ": it is not read");
        else if (!OidIsValid(resolution.relid))
            warnings.push_back(subject + "names no table in this database: events go without it");
    }
    return warnings;
}

}  // namespace booking_events
