#include "pg/payload_storage.hpp"

extern "C" {
#include "access/toast_compression.h"
#include "access/toast_internals.h"
}

namespace booking_events {

namespace {

#ifdef USE_LZ4
// lz4: within 100 bytes of pglz's output for these payloads (900 against
// 800 of 1,580), at a small part of pglz's CPU, both when the trigger
// compresses and when the worker reads the body (BENCHMARKS.md, wal8).
constexpr char kPayloadCompression = TOAST_LZ4_COMPRESSION;
#else
constexpr char kPayloadCompression = TOAST_PGLZ_COMPRESSION;
#endif

}  // namespace

Datum stored_payload(Datum payload, char attstorage) {
    // As PostgreSQL's toaster: PLAIN and EXTERNAL columns are never
    // compressed, MAIN and EXTENDED ones may be.
    if (attstorage == TYPSTORAGE_PLAIN || attstorage == TYPSTORAGE_EXTERNAL) return payload;
    // Only a plain (4-byte header, uncompressed, inline) value is compressed.
    if (VARATT_IS_EXTENDED(DatumGetPointer(payload))) return payload;
    // NULL when the compressed form would not be smaller.
    const Datum compressed = toast_compress_datum(payload, kPayloadCompression);
    return compressed == PointerGetDatum(nullptr) ? payload : compressed;
}

}  // namespace booking_events
