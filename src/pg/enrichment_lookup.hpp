// Reads the enrichment rows (booking_details, client_info, provider_info):
// one row by its id, as the owner of the table would read it. A plain table
// keyed by id is read through its primary key index (enrichment_index_scan);
// any other (row-level security enabled, partitioned, ...) by a statement
// kept per table, run as the owner in a restricted security context (see
// identity.hpp).
//
// So the owner's SELECT privilege decides, and row-level security applies
// as it does to the owner: not at all, unless the table is FORCE ROW LEVEL
// SECURITY, when the owner's policies filter the row. The writing role
// needs no privilege on the table, and nothing it created can run.
#pragma once

#include <string>

#include "pg/postgres_headers.hpp"
#include "pg/row_values.hpp"

namespace booking_events {

// The row of `relid` whose `id` column equals `id`, in
// CurrentMemoryContext; nullptr when the table has no usable id column,
// `id` is no valid input for it, its owner may not read it, or no row
// matches. Call it inside SPI_connect. Throws PgError.
RawRow *lookup_row(Oid relid, const std::string &id);

}  // namespace booking_events
