#include "pg/enrichment_index_scan.hpp"

namespace booking_events {

namespace {

// The table itself: what the SPI statement reads is this heap and nothing
// else, unfiltered.
bool table_reads_like_statement(Relation table) {
    const Form_pg_class form = table->rd_rel;
    return form->relkind == RELKIND_RELATION && form->relam == HEAP_TABLE_AM_OID &&
           !form->relrowsecurity && !form->relhassubclass;
}

// PostgreSQL side; `lookup` is left !usable when the key does not fit.
void describe_key(Relation table, AttrNumber id_attribute, Oid id_type, IndexLookup *lookup) {
    const Oid index_oid = RelationGetPrimaryKeyIndex(table);
    if (!OidIsValid(index_oid)) return;
    Relation index = index_open(index_oid, AccessShareLock);
    const Form_pg_index key = index->rd_index;
    const bool plain_key = index->rd_rel->relam == BTREE_AM_OID && key->indnkeyatts == 1 &&
                           key->indkey.values[0] == id_attribute && key->indisvalid &&
                           key->indislive && key->indimmediate &&
                           RelationGetIndexExpressions(index) == NIL &&
                           RelationGetIndexPredicate(index) == NIL;
    const Oid opfamily = index->rd_opfamily[0];
    const Oid index_collation = index->rd_indcollation[0];
    index_close(index, AccessShareLock);
    if (!plain_key) return;
    if (index_collation != TupleDescAttr(RelationGetDescr(table), id_attribute - 1)->attcollation)
        return;
    // The operator the statement's "id OPERATOR(pg_catalog.=) $1" resolves
    // to, and only when the index implements it as its equality.
    const Oid equality = compatible_oper_opid(
        list_make2(makeString(pstrdup("pg_catalog")), makeString(pstrdup("="))), id_type, id_type,
        true);
    if (!OidIsValid(equality) ||
        get_op_opfamily_strategy(equality, opfamily) != BTEqualStrategyNumber)
        return;
    int strategy = 0;
    Oid left_type = InvalidOid;
    get_op_opfamily_properties(equality, opfamily, false, &strategy, &left_type,
                               &lookup->right_type);
    lookup->index = index_oid;
    lookup->equality_function = get_opcode(equality);
    lookup->collation = index_collation;
    lookup->usable = OidIsValid(lookup->equality_function);
}

}  // namespace

IndexLookup describe_index_lookup(Oid relid, AttrNumber id_attribute, Oid id_type) {
    IndexLookup lookup;
    Relation table = try_relation_open(relid, AccessShareLock);
    if (table == nullptr) return lookup;
    if (table_reads_like_statement(table)) describe_key(table, id_attribute, id_type, &lookup);
    relation_close(table, NoLock);
    return lookup;
}

bool read_row_by_index(Oid relid, const IndexLookup &lookup, Datum id, RawRow **row) {
    *row = nullptr;
    // Locked now: what changed since `lookup` was made (a key replaced, row
    // security enabled, the table dropped) has been seen, and stays as it
    // is until the transaction ends.
    Relation table = try_relation_open(relid, AccessShareLock);
    if (table == nullptr) return false;
    if (!table_reads_like_statement(table) || RelationGetPrimaryKeyIndex(table) != lookup.index) {
        relation_close(table, NoLock);
        return false;
    }
    Relation index = index_open(lookup.index, AccessShareLock);
    ScanKeyData key;
    ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, lookup.right_type, lookup.collation,
                           lookup.equality_function, id);
    TupleTableSlot *slot = table_slot_create(table, nullptr);
    IndexScanDesc scan = index_beginscan(table, index, GetActiveSnapshot(), 1, 0);
    index_rescan(scan, &key, 1, nullptr, 0);
    if (index_getnext_slot(scan, ForwardScanDirection, slot)) {
        // A copy: the row's values point into it, and are read after the
        // buffer is released.
        *row = collect_row(RelationGetDescr(table), ExecCopySlotHeapTuple(slot));
        // The names point into the relation's descriptor, which a relcache
        // invalidation (a concurrent VACUUM's new statistics) frees once the
        // relation is closed; the row is read later: it keeps copies.
        for (int i = 0; i < (*row)->count; ++i)
            (*row)->columns[i].name = pstrdup((*row)->columns[i].name);
    }
    index_endscan(scan);
    ExecDropSingleTupleTableSlot(slot);
    // The scan is over: its index lock ends here, as an INSERT's index locks
    // end with the statement; the table stays locked (see above).
    index_close(index, AccessShareLock);
    relation_close(table, NoLock);
    return true;
}

}  // namespace booking_events
