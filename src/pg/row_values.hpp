// Reads a heap tuple into plain (name, kind, UTF-8 text) values that the pure
// payload code turns into JSON.
#pragma once

#include <vector>

#include "core/event_payload.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

// One column as PostgreSQL memory: filled under pg_call, read afterwards.
struct RawColumn {
    const char *name;
    ColumnKind kind;
    const char *text;  // UTF-8; nullptr for NULL
};

struct RawRow {
    int count;
    RawColumn *columns;
};

// PostgreSQL side: may ereport (output functions, detoasting).
RawRow *collect_row(TupleDesc descriptor, HeapTuple tuple);

// C++ side (it asks PostgreSQL through pg_call whether a json value fits the
// database encoding); throws PgError.
nlohmann::json raw_row_to_json(const RawRow *row);

// The JSON kind a column of type `type_oid` maps to (domains by their base).
ColumnKind column_kind_for_type(Oid type_oid);

}  // namespace booking_events
