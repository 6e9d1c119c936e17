// An enrichment row read straight through its table's primary key index
// (index_beginscan), without planning or executing an SPI statement and
// without the identity switch the statement needs: 12% of the trigger's
// backend CPU went to the three SPI lookups of each event.
//
// Only where the scan reads exactly what the statement
// "SELECT * FROM <table> WHERE id OPERATOR(pg_catalog.=) $1", run as the
// table's owner, would read: an ordinary heap table without row-level
// security and without inheritance children, whose primary key is a
// plain, valid, immediate btree index on the id column alone, with the
// collation of the column and the very equality operator the statement
// would use. Anything else (a partitioned table, RLS enabled, no such key,
// ...) is read by the SPI statement (enrichment_lookup.cpp). No code of the
// owner's or the caller's runs during the scan: built-in comparison
// functions only. The privilege check stays with the caller of this file.
#pragma once

#include "pg/postgres_headers.hpp"
#include "pg/row_values.hpp"

namespace booking_events {

struct IndexLookup {
    bool usable = false;
    Oid index = InvalidOid;
    RegProcedure equality_function = InvalidOid;
    Oid right_type = InvalidOid;  // the operator's, the scan key's subtype
    Oid collation = InvalidOid;
};

// PostgreSQL side: how `relid` can be read by its id column (attribute
// `id_attribute`, of type `id_type`), or !usable when the SPI statement must
// read it. Depends on the table and its index only: rebuild it on a
// relcache invalidation of either.
IndexLookup describe_index_lookup(Oid relid, AttrNumber id_attribute, Oid id_type);

// PostgreSQL side: sets `row` to the row whose id equals `id` as the
// active snapshot sees it, or nullptr, in CurrentMemoryContext. Locks as a
// SELECT would (AccessShareLock until the transaction ends). False, with
// nothing read, when the table no longer fits `lookup` (changed since it
// was described, or dropped): the statement reads it then.
bool read_row_by_index(Oid relid, const IndexLookup &lookup, Datum id, RawRow **row);

}  // namespace booking_events
