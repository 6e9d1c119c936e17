// SQL arrays and values built from, and read into, the plain C data the
// worker's statements take and return. PostgreSQL side (palloc, may
// ereport); strings cross as UTF-8 and are converted to and from the
// database encoding here.
#pragma once

#include "pg/postgres_headers.hpp"

namespace booking_events {

Datum int8_array(const int64 *values, int count);
// `nulls` may be nullptr (no NULL element).
Datum int4_array(const int *values, const bool *nulls, int count);
Datum float8_array(const double *values, int count);
// From UTF-8 strings; nullptr is a NULL element.
Datum text_array(const char *const *values, int count);
// One column of a statement's array arguments, read from each row in turn:
// a palloc'd C array of `count` values (room for one when `count` is 0).
template <typename Value, typename Row, typename Read>
Value *gathered(const Row *rows, int count, Read read) {
    auto *values = static_cast<Value *>(palloc(sizeof(Value) * (count + 1)));
    for (int i = 0; i < count; ++i) values[i] = read(rows[i]);
    return values;
}

// The same, for a column that is a field of the row as it is.
template <typename Row, typename Value>
Value *gathered(const Row *rows, int count, Value Row::*field) {
    return gathered<Value>(rows, count, [field](const Row &row) { return row.*field; });
}

// A column of an SPI result as UTF-8; nullptr when NULL.
char *utf8_value(HeapTuple tuple, TupleDesc descriptor, int column);

}  // namespace booking_events
