// manually_trigger_webhook(table_name, record_id): enqueue an event for a row
// as it is now, e.g. to resend one the receiver lost.
#include "pg/boundary.hpp"
#include "pg/event_capture.hpp"
#include "pg/extension_catalog.hpp"
#include "pg/identity.hpp"

namespace booking_events {

namespace {

// "schema.name" of an operator, for OPERATOR(...). PostgreSQL side.
char *qualified_operator_name(Oid operator_oid) {
    HeapTuple tuple = SearchSysCache1(OPEROID, ObjectIdGetDatum(operator_oid));
    if (!HeapTupleIsValid(tuple)) elog(ERROR, "cache lookup failed for operator %u", operator_oid);
    auto *form = reinterpret_cast<Form_pg_operator>(GETSTRUCT(tuple));
    char *name = psprintf("%s.%s", quote_identifier(get_namespace_name(form->oprnamespace)),
                          NameStr(form->oprname));
    ReleaseSysCache(tuple);
    return name;
}

// PostgreSQL side: finds the table and its single-column primary key, reads
// the row and returns a copy that outlives SPI. Raises the contract's errors.
HeapTuple read_current_row(text *table_name, text *record_id, Relation *relation_out) {
    List *names = textToQualifiedNameList(table_name);
    RangeVar *range = makeRangeVarFromNameList(names);
    Relation relation = relation_openrv(range, AccessShareLock);
    if (relation->rd_rel->relkind != RELKIND_RELATION &&
        relation->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("\"%s\" is not a table", RelationGetRelationName(relation))));
    // The outbox, the log, the deliveries, the endpoints: a row of one of them
    // is no application event (the outbox's event_type and booking_id would
    // make it pass for one), and webhook_endpoints holds secrets.
    ExtensionInfo extension;
    if (lookup_extension(&extension) &&
        getExtensionOfObject(RelationRelationId, RelationGetRelid(relation)) ==
            extension.extension_oid)
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("\"%s\" is a table of booking_events, not of the application",
                               RelationGetRelationName(relation)),
                        errhint("To send a failed event again, use retry_failed_webhooks(); to "
                                "send a row's current state, name the application's table.")));
    AclResult acl = pg_class_aclcheck(RelationGetRelid(relation), GetUserId(), ACL_SELECT);
    if (acl != ACLCHECK_OK) aclcheck_error(acl, OBJECT_TABLE, RelationGetRelationName(relation));

    const Oid primary_key = RelationGetPrimaryKeyIndex(relation);
    if (!OidIsValid(primary_key))
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_TABLE_DEFINITION),
                 errmsg("table \"%s\" has no primary key", RelationGetRelationName(relation)),
                 errhint("manually_trigger_webhook finds rows by a single-column primary key.")));
    Relation index = index_open(primary_key, AccessShareLock);
    const int key_count = index->rd_index->indnkeyatts;
    const AttrNumber key_attribute = index->rd_index->indkey.values[0];
    // The key's own equality operator, from the index's operator family,
    // named with its schema: no operator of the caller's can stand in.
    const Oid equality = get_opfamily_member(index->rd_opfamily[0], index->rd_opcintype[0],
                                             index->rd_opcintype[0], BTEqualStrategyNumber);
    index_close(index, AccessShareLock);
    if (key_count != 1 || key_attribute == 0 || !OidIsValid(equality))
        ereport(
            ERROR,
            (errcode(ERRCODE_INVALID_TABLE_DEFINITION),
             errmsg("table \"%s\" has a composite primary key", RelationGetRelationName(relation)),
             errhint("manually_trigger_webhook finds rows by a single-column primary key.")));

    Form_pg_attribute key = TupleDescAttr(RelationGetDescr(relation), key_attribute - 1);
    Oid key_type = key->atttypid;
    Oid input_function = InvalidOid, io_param = InvalidOid;
    getTypeInputInfo(key_type, &input_function, &io_param);
    Datum key_value =
        OidInputFunctionCall(input_function, text_to_cstring(record_id), io_param, key->atttypmod);

    StringInfoData query;
    initStringInfo(&query);
    appendStringInfo(&query, "SELECT * FROM %s WHERE %s OPERATOR(%s) $1",
                     quote_qualified_identifier(get_namespace_name(RelationGetNamespace(relation)),
                                                RelationGetRelationName(relation)),
                     quote_identifier(NameStr(key->attname)), qualified_operator_name(equality));
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "booking_events: SPI_connect failed");
    // As the caller (their privileges, their row-level security), with
    // search_path pinned and in a restricted security context: the table's
    // policies cannot change the session for the caller.
    const SavedIdentity saved = enter_restricted_identity(GetUserId());
    if (SPI_execute_with_args(query.data, 1, &key_type, &key_value, nullptr, true, 1) !=
        SPI_OK_SELECT)
        elog(ERROR, "booking_events: could not read the row");
    leave_identity(saved);
    if (SPI_processed == 0)
        ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND),
                        errmsg("no row in \"%s\" has %s = %s", RelationGetRelationName(relation),
                               quote_identifier(NameStr(key->attname)),
                               quote_literal_cstr(text_to_cstring(record_id)))));
    HeapTuple row = SPI_copytuple(SPI_tuptable->vals[0]);
    SPI_finish();
    *relation_out = relation;
    return row;
}

Datum trigger_manually(FunctionCallInfo fcinfo) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED,
                       "manually_trigger_webhook: table_name and record_id must not be NULL");
    RowChangeSource source;
    source.operation = RowOperation::Insert;
    source.manual = true;
    pg_call([&] {
        source.new_tuple =
            read_current_row(PG_GETARG_TEXT_PP(0), PG_GETARG_TEXT_PP(1), &source.relation);
    });
    const std::string event_id = capture_row_event(source);
    Datum result = (Datum)0;
    pg_call([&] {
        table_close(source.relation, NoLock);
        result = DirectFunctionCall1(uuid_in, CStringGetDatum(event_id.c_str()));
    });
    return result;
}

}  // namespace

}  // namespace booking_events

BOOKING_EVENTS_SQL_FUNCTION(manually_trigger_webhook, booking_events::trigger_manually)
