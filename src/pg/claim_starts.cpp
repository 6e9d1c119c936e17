#include "pg/claim_starts.hpp"

#include <new>

extern "C" {
#include "utils/hsearch.h"
}

namespace booking_events {

namespace {

struct ClaimStartEntry {
    char endpoint[NAMEDATALEN];  // the key; endpoint names are at most 63 bytes
    Oid extension_oid;
    ClaimStart start;
};

HTAB *claim_starts = nullptr;

}  // namespace

ClaimStart *claim_start_for(Oid extension_oid, const char *endpoint) {
    if (claim_starts == nullptr) {
        HASHCTL control{};
        control.keysize = NAMEDATALEN;
        control.entrysize = sizeof(ClaimStartEntry);
        control.hcxt = TopMemoryContext;
        claim_starts = hash_create("booking_events claim starts", 8, &control,
                                   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
    }
    bool found = false;
    auto *entry =
        static_cast<ClaimStartEntry *>(hash_search(claim_starts, endpoint, HASH_ENTER, &found));
    if (!found || entry->extension_oid != extension_oid) {
        new (&entry->start) ClaimStart();
        entry->extension_oid = extension_oid;
    }
    return &entry->start;
}

void forget_claim_starts() {
    if (claim_starts == nullptr) return;
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, claim_starts);
    while (auto *entry = static_cast<ClaimStartEntry *>(hash_seq_search(&scan)))
        entry->start.forget();
}

}  // namespace booking_events
