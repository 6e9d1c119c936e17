// Which open transaction the delivery worker names as holding back the
// cleanup of the outbox (README: Long transactions).
//
// PostgreSQL may remove a dead row of an ordinary table only once no
// transaction that counts for that table's horizon can still see it
// (procarray.c, ComputeXidHorizons). A transaction counts by the older of its
// snapshot's xmin and its own transaction id, except:
//  * a lazy VACUUM (autovacuum's or a manual one): other vacuums ignore its
//    snapshot;
//  * logical decoding: its replication slot holds back what it needs, and
//    only the system catalogs' horizon;
//  * a transaction of another database, unless it relays a standby's
//    hot_standby_feedback (that counts in every database).
// A prepared transaction counts by its transaction id in its database.
// Naming a transaction that holds nothing back sends the DBA after the wrong
// session, and naming the oldest one hides the real holder behind it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace booking_events {

// A transaction open this long is named.
constexpr double kLongTransactionSeconds = 30;

// An open transaction with a snapshot or a transaction id, as the server's
// process array shows it.
struct OpenTransaction {
    int pid = 0;               // 0 for a prepared transaction
    std::string prepared_gid;  // a prepared transaction's identifier
    // How many transaction ids the older of its xmin and its xid lies behind
    // the next transaction id: the larger, the more it holds back.
    std::uint32_t horizon_age_xids = 0;
    double open_seconds = 0;    // since it began (or was prepared)
    std::int64_t began_at = 0;  // the same instant as the server counts time
    bool same_database = false;
    bool lazy_vacuum = false;
    bool logical_decoding = false;
    bool relays_standby_feedback = false;
};

// True when PostgreSQL keeps the outbox's dead rows for this transaction.
bool holds_back_outbox(const OpenTransaction &transaction);

// The transaction to name: among those that hold the outbox back and have
// been open at least kLongTransactionSeconds, the one whose horizon is the
// oldest (on a tie, the one open longest); none when there is none.
std::optional<OpenTransaction> horizon_holder_to_name(const std::vector<OpenTransaction> &open);

// Two looks name the same holder: the same transaction of the same backend
// (pid), or the same prepared transaction (identifier), begun at the same
// instant (a new transaction in that backend is a new holder).
bool same_holder(const std::optional<OpenTransaction> &a, const std::optional<OpenTransaction> &b);

}  // namespace booking_events
