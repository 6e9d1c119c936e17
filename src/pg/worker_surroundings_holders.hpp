// The open transactions the delivery worker weighs when it looks for one
// that holds back the outbox's cleanup (core/horizon_holder.hpp decides):
// the backends with a snapshot or a transaction id, read the way
// ComputeXidHorizons reads them (the process array: status flags, database,
// xmin, xid; pg_stat_activity only for when their transaction began), and
// the prepared transactions of this database.
#pragma once

#include <vector>

#include "core/horizon_holder.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

// Inside a transaction with SPI connected, and inside pg_call: `out` is the
// caller's, and this function keeps no C++ object alive across a call that
// may raise an error.
void read_open_transactions(std::vector<OpenTransaction> &out);

}  // namespace booking_events
