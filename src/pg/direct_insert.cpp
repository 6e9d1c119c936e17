#include "pg/direct_insert.hpp"

namespace booking_events {

namespace {

// Every target in use, for the relcache callback. A few statement shapes
// exist (outbox_insert.cpp), each registered once.
constexpr int kMaxTargets = 8;
DirectTarget *registered_targets[kMaxTargets];
int registered_count = 0;
bool callback_registered = false;

// A change to the table or one of its indexes (a column, a default, a
// CHECK, an index, a trigger, a policy, a grant) or a cache reset: what was
// kept may no longer be what an INSERT would do. Callbacks must not touch
// the catalogs; the next row rebuilds.
void on_relcache_invalidation(Datum, Oid relid) {
    for (int t = 0; t < registered_count; ++t) {
        DirectTarget *target = registered_targets[t];
        bool concerned = relid == InvalidOid || relid == target->relid;
        for (int i = 0; i < target->index_count; ++i)
            if (target->index_oids[i] == relid) concerned = true;
        if (concerned) ++target->invalidations;
    }
}

void register_target(DirectTarget *target) {
    if (!callback_registered) {
        CacheRegisterRelcacheCallback(on_relcache_invalidation, (Datum)0);
        callback_registered = true;
    }
    if (registered_count == kMaxTargets)
        elog(ERROR, "booking_events: too many direct insert targets");
    registered_targets[registered_count++] = target;
    target->registered = true;
}

void forget_kept_state(DirectTarget *target) {
    if (target->estate != nullptr) {
        ExecResetTupleTable(target->estate->es_tupleTable, false);
        FreeExecutorState(target->estate);
    }
    if (target->memory != nullptr) MemoryContextDelete(target->memory);
    target->memory = nullptr;
    target->estate = nullptr;
    target->result = nullptr;
    target->range_table = NIL;
    target->slot = nullptr;
    target->attribute_count = 0;
    target->supplied_index = nullptr;
    target->defaults = nullptr;
    target->index_oids = nullptr;
    target->index_count = 0;
    target->returned_attnum = InvalidAttrNumber;
    target->supported = false;
    target->built = false;
}

// The attribute called `name` of type `type` that an INSERT may name, or
// InvalidAttrNumber.
AttrNumber writable_attribute(TupleDesc descriptor, const char *name, Oid type) {
    for (int i = 0; i < descriptor->natts; ++i) {
        Form_pg_attribute attribute = TupleDescAttr(descriptor, i);
        if (attribute->attisdropped || strcmp(NameStr(attribute->attname), name) != 0) continue;
        if (attribute->atttypid != type || attribute->attgenerated != '\0' ||
            attribute->attidentity != '\0')
            return InvalidAttrNumber;
        return attribute->attnum;
    }
    return InvalidAttrNumber;
}

// Whether an INSERT into `relation` does only what insert_directly does.
bool shape_supported(Relation relation, const DirectTarget &target) {
    const Form_pg_class form = relation->rd_rel;
    if (form->relkind != RELKIND_RELATION || form->relispartition) return false;
    // Not relhastriggers / relhasrules: they stay set after the last
    // trigger or rule is dropped, until a VACUUM.
    if (relation->trigdesc != nullptr || relation->rd_rules != nullptr) return false;
    if (form->relrowsecurity) return false;
    TupleDesc descriptor = RelationGetDescr(relation);
    if (descriptor->constr != nullptr && descriptor->constr->has_generated_stored) return false;
    for (int c = 0; c < target.column_count; ++c)
        if (writable_attribute(descriptor, target.columns[c].name, target.columns[c].type) ==
            InvalidAttrNumber)
            return false;
    if (target.returned_column != nullptr) {
        const int attnum = attnameAttNum(relation, target.returned_column, false);
        if (attnum <= 0 || TupleDescAttr(descriptor, attnum - 1)->atttypid != INT8OID) return false;
    }
    // A column left out of an INSERT without a default of its own gets a
    // NULL that the planner checks against its domain's constraints.
    for (int i = 0; i < descriptor->natts; ++i) {
        Form_pg_attribute attribute = TupleDescAttr(descriptor, i);
        if (attribute->attisdropped || attribute->atthasdef || attribute->attidentity != '\0')
            continue;
        if (get_typtype(attribute->atttypid) == TYPTYPE_DOMAIN) return false;
    }
    return true;
}

// The supplied columns' positions and every other column's default, as
// the rewriter builds them (identity included: nextval on its sequence).
void build_columns(DirectTarget *target, Relation relation) {
    TupleDesc descriptor = RelationGetDescr(relation);
    const int count = descriptor->natts;
    target->attribute_count = count;
    target->supplied_index = static_cast<int *>(palloc(sizeof(int) * count));
    target->defaults = static_cast<ExprState **>(palloc0(sizeof(ExprState *) * count));
    for (int i = 0; i < count; ++i) target->supplied_index[i] = -1;
    for (int c = 0; c < target->column_count; ++c) {
        const AttrNumber attnum =
            writable_attribute(descriptor, target->columns[c].name, target->columns[c].type);
        target->supplied_index[attnum - 1] = c;
    }
    for (int i = 0; i < count; ++i) {
        if (target->supplied_index[i] >= 0 || TupleDescAttr(descriptor, i)->attisdropped) continue;
        Node *expression = build_column_default(relation, i + 1);
        if (expression != nullptr)
            target->defaults[i] =
                ExecPrepareExpr(reinterpret_cast<Expr *>(expression), target->estate);
    }
    if (target->returned_column != nullptr)
        target->returned_attnum = attnameAttNum(relation, target->returned_column, false);
}

// The permission an INSERT of these columns checks, run again per row.
void build_range_table(DirectTarget *target, Relation relation) {
    RangeTblEntry *entry = makeNode(RangeTblEntry);
    entry->rtekind = RTE_RELATION;
    entry->relid = RelationGetRelid(relation);
    entry->relkind = relation->rd_rel->relkind;
    entry->rellockmode = RowExclusiveLock;
    entry->requiredPerms = ACL_INSERT;
    for (int i = 0; i < target->attribute_count; ++i)
        if (target->supplied_index[i] >= 0)
            entry->insertedCols =
                bms_add_member(entry->insertedCols, i + 1 - FirstLowInvalidHeapAttributeNumber);
    target->range_table = list_make1(entry);
    ExecInitRangeTable(target->estate, target->range_table);
}

// Indexes as ExecOpenIndices describes them; the relations themselves are
// opened per row (a relcache reference cannot outlive the transaction).
void build_indexes(DirectTarget *target, Relation relation) {
    ResultRelInfo *result = target->result;
    List *indexes = relation->rd_rel->relhasindex ? RelationGetIndexList(relation) : NIL;
    const int count = list_length(indexes);
    target->index_oids = static_cast<Oid *>(palloc(sizeof(Oid) * (count + 1)));
    result->ri_IndexRelationDescs =
        static_cast<RelationPtr>(palloc0(sizeof(Relation) * (count + 1)));
    result->ri_IndexRelationInfo =
        static_cast<IndexInfo **>(palloc0(sizeof(IndexInfo *) * (count + 1)));
    int i = 0;
    ListCell *cell = nullptr;
    foreach (cell, indexes) {
        const Oid index_oid = lfirst_oid(cell);
        Relation index = index_open(index_oid, RowExclusiveLock);
        result->ri_IndexRelationInfo[i] = BuildIndexInfo(index);
        index_close(index, RowExclusiveLock);
        target->index_oids[i++] = index_oid;
    }
    target->index_count = count;
    result->ri_NumIndices = count;
}

void build(DirectTarget *target, Relation relation) {
    forget_kept_state(target);
    target->relid = RelationGetRelid(relation);
    target->built_at_invalidations = target->invalidations;
    if (!shape_supported(relation, *target)) {
        target->built = true;
        return;
    }
    target->memory = AllocSetContextCreate(TopMemoryContext, "booking_events direct insert",
                                           ALLOCSET_SMALL_SIZES);
    const MemoryContext caller = MemoryContextSwitchTo(target->memory);
    target->estate = CreateExecutorState();
    build_columns(target, relation);
    build_range_table(target, relation);
    target->result = makeNode(ResultRelInfo);
    InitResultRelInfo(target->result, relation, 1, nullptr, 0);
    build_indexes(target, relation);
    target->slot =
        ExecInitExtraTupleSlot(target->estate, CreateTupleDescCopy(RelationGetDescr(relation)),
                               table_slot_callbacks(relation));
    MemoryContextSwitchTo(caller);
    target->supported = true;
    target->built = true;
}

void fill_slot(DirectTarget *target, const Datum *values, const bool *nulls) {
    TupleTableSlot *slot = target->slot;
    ExprContext *context = GetPerTupleExprContext(target->estate);
    ExecClearTuple(slot);
    for (int i = 0; i < target->attribute_count; ++i) {
        const int supplied = target->supplied_index[i];
        if (supplied >= 0) {
            slot->tts_values[i] = values[supplied];
            slot->tts_isnull[i] = nulls[supplied];
        } else if (target->defaults[i] != nullptr) {
            slot->tts_values[i] =
                ExecEvalExprSwitchContext(target->defaults[i], context, &slot->tts_isnull[i]);
        } else {
            slot->tts_values[i] = (Datum)0;
            slot->tts_isnull[i] = true;
        }
    }
    ExecStoreVirtualTuple(slot);
}

}  // namespace

bool insert_directly(DirectTarget *target, Oid relid, const Datum *values, const bool *nulls,
                     Datum *returned) {
    if (!target->registered) register_target(target);
    // Opening takes the lock, which reads pending invalidations first.
    Relation relation = try_table_open(relid, RowExclusiveLock);
    if (relation == nullptr) return false;
    if (target->relid != relid || !target->built ||
        target->built_at_invalidations != target->invalidations)
        build(target, relation);
    if (!target->supported) {
        table_close(relation, NoLock);
        return false;
    }
    PreventCommandIfReadOnly("INSERT");
    PreventCommandIfParallelMode("INSERT");
    ExecCheckRTPerms(target->range_table, true);

    EState *estate = target->estate;
    ResultRelInfo *result = target->result;
    ResetPerTupleExprContext(estate);
    estate->es_output_cid = GetCurrentCommandId(true);
    result->ri_RelationDesc = relation;
    for (int i = 0; i < target->index_count; ++i)
        result->ri_IndexRelationDescs[i] = index_open(target->index_oids[i], RowExclusiveLock);

    fill_slot(target, values, nulls);
    TupleTableSlot *slot = target->slot;
    if (RelationGetDescr(relation)->constr != nullptr) ExecConstraints(result, slot, estate);
    table_tuple_insert(relation, slot, estate->es_output_cid, 0, nullptr);
    if (target->index_count > 0)
        list_free(ExecInsertIndexTuples(result, slot, estate, false, false, nullptr, NIL));
    if (returned != nullptr) {
        bool is_null = false;
        *returned = slot_getattr(slot, target->returned_attnum, &is_null);
        if (is_null)
            elog(ERROR, "booking_events: the inserted row has no %s", target->returned_column);
    }
    ExecClearTuple(slot);

    // The index locks end with the row, as ExecCloseIndices ends an INSERT
    // statement's; the table's lock is held until the transaction ends.
    // Kept, the twelve index locks of an event overflowed the backend's 16
    // fast-path slots into the shared lock table (README, Design).
    for (int i = 0; i < target->index_count; ++i) {
        index_close(result->ri_IndexRelationDescs[i], RowExclusiveLock);
        result->ri_IndexRelationDescs[i] = nullptr;
    }
    result->ri_RelationDesc = nullptr;
    table_close(relation, NoLock);
    return true;
}

}  // namespace booking_events
