#include "pg/spi_arrays.hpp"

#include "pg/encoding.hpp"

namespace booking_events {

Datum int8_array(const int64 *values, int count) {
    auto *datums = static_cast<Datum *>(palloc(sizeof(Datum) * (count + 1)));
    for (int i = 0; i < count; ++i) datums[i] = Int64GetDatum(values[i]);
    return PointerGetDatum(
        construct_array(datums, count, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

Datum int4_array(const int *values, const bool *nulls, int count) {
    auto *datums = static_cast<Datum *>(palloc(sizeof(Datum) * (count + 1)));
    for (int i = 0; i < count; ++i) datums[i] = Int32GetDatum(values[i]);
    int dims[1] = {count};
    int lower_bounds[1] = {1};
    return PointerGetDatum(construct_md_array(datums, const_cast<bool *>(nulls), 1, dims,
                                              lower_bounds, INT4OID, 4, true, TYPALIGN_INT));
}

Datum float8_array(const double *values, int count) {
    auto *datums = static_cast<Datum *>(palloc(sizeof(Datum) * (count + 1)));
    for (int i = 0; i < count; ++i) datums[i] = Float8GetDatum(values[i]);
    return PointerGetDatum(
        construct_array(datums, count, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

// Text arrays from UTF-8 strings (nullptr: NULL element), converted to the
// database encoding.
Datum text_array(const char *const *values, int count) {
    auto *datums = static_cast<Datum *>(palloc(sizeof(Datum) * (count + 1)));
    auto *nulls = static_cast<bool *>(palloc(sizeof(bool) * (count + 1)));
    for (int i = 0; i < count; ++i) {
        nulls[i] = values[i] == nullptr;
        datums[i] =
            nulls[i] ? (Datum)0 : CStringGetTextDatum(utf8_to_server(values[i], strlen(values[i])));
    }
    int dims[1] = {count};
    int lower_bounds[1] = {1};
    return PointerGetDatum(
        construct_md_array(datums, nulls, 1, dims, lower_bounds, TEXTOID, -1, false, TYPALIGN_INT));
}

char *utf8_value(HeapTuple tuple, TupleDesc descriptor, int column) {
    return server_to_utf8(SPI_getvalue(tuple, descriptor, column));
}

}  // namespace booking_events
