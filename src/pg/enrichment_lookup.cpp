#include "pg/enrichment_lookup.hpp"

#include <unordered_map>
#include <utility>

#include "core/id_syntax.hpp"
#include "pg/boundary.hpp"
#include "pg/encoding.hpp"
#include "pg/enrichment_index_scan.hpp"
#include "pg/identity.hpp"
#include "pg/kept_plan.hpp"
#include "pg/row_values.hpp"

namespace booking_events {

namespace {

struct LookupTable {
    bool usable = false;  // has an id column of a type the lookup supports
    Oid id_type = InvalidOid;
    IdSyntax id_syntax = IdSyntax::Unsupported;
    Oid owner = InvalidOid;
    IndexLookup by_index;  // !usable: the kept SPI statement reads the row
    KeptPlan plan;
};

// By table. A relcache invalidation of any of them or of the index a
// lookup scans (ALTER TABLE, OWNER TO, ENABLE ROW LEVEL SECURITY, a new
// primary key, DROP) marks the whole cache stale; it is rebuilt on next use.
std::unordered_map<Oid, LookupTable> lookup_tables;
bool lookup_tables_stale = false;
bool relcache_callback_registered = false;

void on_relcache_invalidation(Datum, Oid relid) {
    if (relid == InvalidOid || lookup_tables.count(relid) != 0) {
        lookup_tables_stale = true;
        return;
    }
    for (const auto &entry : lookup_tables)
        if (entry.second.by_index.index == relid) lookup_tables_stale = true;
}

// The id types whose text input the syntax check vouches for.
IdSyntax id_syntax_for_type(Oid type_oid) {
    static const std::pair<Oid, IdSyntax> id_types[] = {
        {INT2OID, IdSyntax::Int16}, {INT4OID, IdSyntax::Int32}, {INT8OID, IdSyntax::Int64},
        {UUIDOID, IdSyntax::Uuid},  {TEXTOID, IdSyntax::Text},  {VARCHAROID, IdSyntax::Text},
        {BPCHAROID, IdSyntax::Text}};
    for (const auto &[type, syntax] : id_types)
        if (type == type_oid) return syntax;
    return IdSyntax::Unsupported;
}

// PostgreSQL side.
void describe_table(Oid relid, LookupTable *table) {
    const AttrNumber id_attribute = get_attnum(relid, "id");
    if (id_attribute == InvalidAttrNumber) return;
    HeapTuple class_tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(class_tuple)) return;
    table->owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(class_tuple))->relowner;
    ReleaseSysCache(class_tuple);
    table->id_type = get_atttype(relid, id_attribute);
    table->id_syntax = id_syntax_for_type(table->id_type);
    table->usable = table->id_syntax != IdSyntax::Unsupported;
    if (table->usable) table->by_index = describe_index_lookup(relid, id_attribute, table->id_type);
}

void forget_stale_tables() {
    if (!lookup_tables_stale) return;
    for (auto &entry : lookup_tables) {
        KeptPlan *plan = &entry.second.plan;
        pg_call([&] { drop_kept_plan(plan); });
    }
    lookup_tables.clear();
    lookup_tables_stale = false;
}

// PostgreSQL side: runs and prepares as the owner, so the plan is made
// under the same identity and search_path it runs with.
RawRow *read_row_by_statement(Oid relid, LookupTable *table, Datum id) {
    Datum values[1] = {id};
    const SavedIdentity saved = enter_restricted_identity(table->owner);
    if (!kept_plan_ready(table->plan, relid)) {
        StringInfoData query;
        initStringInfo(&query);
        appendStringInfo(&query, "SELECT * FROM %s WHERE id OPERATOR(pg_catalog.=) $1",
                         quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
                                                    get_rel_name(relid)));
        prepare_kept_plan(&table->plan, relid, query.data, 1, &table->id_type);
    }
    const int result = SPI_execute_plan(table->plan.plan, values, nullptr, true, 1);
    leave_identity(saved);
    if (result != SPI_OK_SELECT)
        elog(ERROR, "booking_events: enrichment lookup failed: %d", result);
    if (SPI_processed != 1) return nullptr;
    // A copy: the row's values are read after the next lookup's statement.
    RawRow *row = collect_row(SPI_tuptable->tupdesc, heap_copytuple(SPI_tuptable->vals[0]));
    for (int i = 0; i < row->count; ++i) row->columns[i].name = pstrdup(row->columns[i].name);
    return row;
}

// PostgreSQL side. The owner's SELECT privilege decides on both paths; the
// index scan reads the snapshot the read-only statement would have read.
RawRow *read_row(Oid relid, LookupTable *table, const char *id) {
    if (pg_class_aclcheck(relid, table->owner, ACL_SELECT) != ACLCHECK_OK) return nullptr;
    if (!utf8_fits_server(id, strlen(id))) return nullptr;
    id = utf8_to_server(id, strlen(id));
    Oid input_function = InvalidOid, io_parameter = InvalidOid;
    getTypeInputInfo(table->id_type, &input_function, &io_parameter);
    const Datum value =
        OidInputFunctionCall(input_function, const_cast<char *>(id), io_parameter, -1);
    RawRow *row = nullptr;
    if (table->by_index.usable && ActiveSnapshotSet() &&
        read_row_by_index(relid, table->by_index, value, &row))
        return row;
    return read_row_by_statement(relid, table, value);
}

}  // namespace

RawRow *lookup_row(Oid relid, const std::string &id) {
    if (!OidIsValid(relid)) return nullptr;
    if (!relcache_callback_registered) {
        pg_call([] { CacheRegisterRelcacheCallback(on_relcache_invalidation, (Datum)0); });
        relcache_callback_registered = true;
    }
    forget_stale_tables();
    auto found = lookup_tables.find(relid);
    if (found == lookup_tables.end()) {
        LookupTable described;
        pg_call([&] { describe_table(relid, &described); });
        found = lookup_tables.emplace(relid, described).first;
    }
    LookupTable *table = &found->second;
    if (!table->usable || !id_matches_syntax(id, table->id_syntax)) return nullptr;
    RawRow *row = nullptr;
    const char *id_text = id.c_str();
    pg_call([&] { row = read_row(relid, table, id_text); });
    return row;
}

}  // namespace booking_events
