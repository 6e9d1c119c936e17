// Reads a heap tuple's columns for the payload. The common types (text,
// varchar, char, int2/4/8, numeric, bool, date, timestamp, timestamptz,
// uuid, jsonb) are read from their Datums and written straight into the
// payload (payload_row); every other type, and every column when the
// database is not UTF-8, as the reference path reads it: (name, kind, UTF-8
// text) through the type's output function, then an nlohmann value.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "core/event_payload_layout.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

// How collect_row read a column's Datum.
enum class DatumForm {
    Null,
    Bool,         // `integer`: 0 or 1
    Integer,      // `integer`
    Text,         // `data`, `length`: UTF-8, in the tuple or palloc'd
    Numeric,      // `data`: numeric_out's text
    JsonbNumber,  // `data`: numeric_out's text of a jsonb holding one number
    Jsonb,        // `container`: a jsonb object or array
    Other,        // only `kind` and `text`
};

// One column as PostgreSQL memory: filled under pg_call, read afterwards.
struct RawColumn {
    const char *name;  // UTF-8
    Oid type;
    Datum value;
    DatumForm form;
    int64 integer;
    const char *data;
    std::size_t length;
    const Jsonb *container;
    // The reference path's view; `text` nullptr for NULL. Filled by
    // collect_row for Other (and where it costs nothing), by
    // complete_reference_view for the rest.
    bool has_reference_view;
    ColumnKind kind;
    const char *text;
};

struct RawRow {
    int count;
    RawColumn *columns;
};

// Whether the payload is written from the columns' Datums: in a UTF-8
// database. Any other encoding (SQL_ASCII included) reads every column the
// reference way, whose conversions and byte handling are the rule there.
bool payload_reads_datums();

// PostgreSQL side: may ereport (output functions, detoasting). By-reference
// values point into `tuple`, which must outlive the row.
RawRow *collect_row(TupleDesc descriptor, HeapTuple tuple);

// C++ side (it asks PostgreSQL through pg_call for the texts not read yet,
// and whether a json value fits the database encoding); throws PgError.
nlohmann::json raw_row_to_json(RawRow *row);

// What payload_row's values point to besides the rows themselves.
struct PayloadRowStorage {
    std::deque<std::vector<PayloadColumn>> columns;
    std::deque<nlohmann::json> values;
    std::deque<std::string> texts;
};

// The row as the payload layout reads it (in a UTF-8 database only). False
// when a value needs the reference path (a jsonb number nlohmann refuses).
// C++ side; throws PgError.
bool payload_row(RawRow *row, PayloadRowStorage *storage, PayloadRow *out);

// The JSON kind a column of type `type_oid` maps to (domains by their base).
ColumnKind column_kind_for_type(Oid type_oid);

}  // namespace booking_events
