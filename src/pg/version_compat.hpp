// Every PostgreSQL API the module uses whose name or signature differs
// between major versions, behind one name each: porting to a new major
// version starts with this list. Built and tested on PostgreSQL 15.
#pragma once

#include "pg/postgres_headers.hpp"

// 15 brought shmem_request_hook (shared_state.cpp) and MarkGUCPrefixReserved
// (settings.cpp); older servers lack both.
#if PG_VERSION_NUM < 150000
#error "booking_events needs PostgreSQL 15 or later"
#endif

namespace booking_events {

// The backend's local transaction id, which tells one transaction of a
// session from the next. PGPROC.lxid moved into PGPROC.vxid in 17.
inline LocalTransactionId current_local_transaction_id() {
#if PG_VERSION_NUM >= 170000
    return MyProc->vxid.lxid;
#else
    return MyProc->lxid;
#endif
}

// "schema.name" split into a qualified name list (quoting honoured); raises
// an ERROR on bad syntax. 16 added a soft-error context argument.
inline List *qualified_name_list(const char *text) {
#if PG_VERSION_NUM >= 160000
    return stringToQualifiedNameList(text, nullptr);
#else
    return stringToQualifiedNameList(text);
#endif
}

// A wait event set that lives in the current memory context. 17 ties it to a
// resource owner instead. A `lasting` one is kept for the life of the
// process: in TopMemoryContext, or (17) tied to no resource owner.
inline WaitEventSet *create_wait_event_set(int events, bool lasting = false) {
#if PG_VERSION_NUM >= 170000
    return CreateWaitEventSet(lasting ? nullptr : CurrentResourceOwner, events);
#else
    return CreateWaitEventSet(lasting ? TopMemoryContext : CurrentMemoryContext, events);
#endif
}

}  // namespace booking_events
