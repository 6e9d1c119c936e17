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
// A column of an SPI result as UTF-8; nullptr when NULL.
char *utf8_value(HeapTuple tuple, TupleDesc descriptor, int column);

}  // namespace booking_events
