#include "pg/payload_storage.hpp"

extern "C" {
#include "access/toast_compression.h"
#include "access/toast_internals.h"
#include "utils/memutils.h"
}

#ifdef USE_LZ4
#include <lz4.h>
#endif

namespace booking_events {

namespace {

#ifdef USE_LZ4
// lz4: within 100 bytes of pglz's output for these payloads (900 against
// 800 of 1,580), at a small part of pglz's CPU, both when the trigger
// compresses and when the worker reads the body (BENCHMARKS.md, wal8).
//
// toast_compress_datum's lz4 (LZ4_compress_default) clears a fresh 16 kB
// state for every value: half of what compressing a payload cost. One state
// per process, cleared once, is reset fast before each payload instead (a
// new chain of blocks: nothing of the previous payload is referred to).
LZ4_stream_t *kept_lz4_state() {
    static LZ4_stream_t *state = nullptr;
    if (state == nullptr) {
        void *memory = MemoryContextAlloc(TopMemoryContext, sizeof(LZ4_stream_t));
        state = LZ4_initStream(memory, sizeof(LZ4_stream_t));
        if (state == nullptr) elog(ERROR, "booking_events: could not initialize an lz4 state");
    }
    return state;
}

// What toast_compress_datum(value, TOAST_LZ4_COMPRESSION) returns for a
// plain varlena: the compressed inline form (lz4's block after the
// compressed header: the raw size and the method), or NULL when it would
// not save more than 2 bytes (PostgreSQL's rule: the compressed form needs
// a 4-byte header and alignment where the plain one may take 1 byte).
Datum lz4_compressed(Datum value) {
    const auto *plain = reinterpret_cast<const struct varlena *>(DatumGetPointer(value));
    const int32 raw_size = VARSIZE_ANY_EXHDR(plain);
    const int bound = LZ4_compressBound(raw_size);
    auto *compressed = static_cast<struct varlena *>(palloc(bound + VARHDRSZ_COMPRESSED));
    LZ4_stream_t *state = kept_lz4_state();
    LZ4_resetStream_fast(state);
    const int length = LZ4_compress_fast_continue(
        state, VARDATA_ANY(plain), reinterpret_cast<char *>(compressed) + VARHDRSZ_COMPRESSED,
        raw_size, bound, 1);
    if (length <= 0) elog(ERROR, "lz4 compression failed");
    if (length + static_cast<int32>(VARHDRSZ_COMPRESSED) >= raw_size - 2) {
        pfree(compressed);
        return PointerGetDatum(nullptr);
    }
    SET_VARSIZE_COMPRESSED(compressed, length + VARHDRSZ_COMPRESSED);
    TOAST_COMPRESS_SET_SIZE_AND_COMPRESS_METHOD(compressed, raw_size, TOAST_LZ4_COMPRESSION_ID);
    return PointerGetDatum(compressed);
}
#endif

// The compressed form of a plain varlena, or NULL when it would not be
// smaller.
Datum compressed_or_null(Datum value) {
#ifdef USE_LZ4
    return lz4_compressed(value);
#else
    return toast_compress_datum(value, TOAST_PGLZ_COMPRESSION);
#endif
}

}  // namespace

Datum stored_payload(Datum payload, char attstorage) {
    // As PostgreSQL's toaster: PLAIN and EXTERNAL columns are never
    // compressed, MAIN and EXTENDED ones may be.
    if (attstorage == TYPSTORAGE_PLAIN || attstorage == TYPSTORAGE_EXTERNAL) return payload;
    // Only a plain (4-byte header, uncompressed, inline) value is compressed.
    if (VARATT_IS_EXTENDED(DatumGetPointer(payload))) return payload;
    const Datum compressed = compressed_or_null(payload);
    return compressed == PointerGetDatum(nullptr) ? payload : compressed;
}

}  // namespace booking_events
