// One row written straight into a table of ours and its indexes, without
// the SPI executor: what an INSERT of the same columns would do (every other
// column's default, NOT NULL and CHECK constraints, unique and exclusion
// indexes, the INSERT privilege), as logical replication's apply does it.
// The per-statement work an INSERT repeats for every event (executor start
// and end, CHECK constraints and defaults built again) is done once and kept
// across transactions until the table or one of its indexes changes.
//
// A table with anything this path does not reproduce (a trigger, which
// includes foreign keys and deferrable constraints; a rule; row-level
// security; partitions; a stored generated column; a column of a domain type
// left to its NULL default; a column we write whose type changed) is not
// written here: the caller runs its INSERT statement instead.
#pragma once

#include "pg/postgres_headers.hpp"

namespace booking_events {

// A column the caller supplies, by name and type.
struct SuppliedColumn {
    const char *name;
    Oid type;
};

// What is kept for one statement shape on one table. Define one per shape
// with its columns; the rest is filled and rebuilt by insert_directly.
struct DirectTarget {
    const SuppliedColumn *columns;
    int column_count;
    const char *returned_column;  // an int8 column read back (the id), or nullptr

    // Kept state: valid for `relid` once `built`, until the next relcache
    // invalidation of the table or an index counts one more. A build that
    // raised an ERROR half-way is not `built`, and is done again.
    Oid relid = InvalidOid;
    bool built = false;
    uint64 invalidations = 0;
    uint64 built_at_invalidations = 0;
    bool supported = false;
    bool registered = false;
    MemoryContext memory = nullptr;
    EState *estate = nullptr;
    ResultRelInfo *result = nullptr;
    List *range_table = NIL;
    TupleTableSlot *slot = nullptr;
    int attribute_count = 0;
    int *supplied_index = nullptr;   // per attribute: index into the values, or -1
    ExprState **defaults = nullptr;  // per attribute: its default, or nullptr (NULL)
    Oid *index_oids = nullptr;
    int index_count = 0;
    AttrNumber returned_attnum = InvalidAttrNumber;
};

// Inserts one row into `relid`, values in the order of `target->columns`.
// False (nothing written) when the table has something this path does not
// handle. *returned gets the returned column. PostgreSQL side: raises the
// ERROR the INSERT would (not null, check, unique violation, privilege).
// Call as the role that writes, inside a transaction.
bool insert_directly(DirectTarget *target, Oid relid, const Datum *values, const bool *nulls,
                     Datum *returned);

}  // namespace booking_events
