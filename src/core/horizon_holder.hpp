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
// An autovacuum worker's transaction cannot be timed by its xact_start: every
// transaction of one table's VACUUM ANALYZE shows the moment the worker began
// that table (autovacuum.c sets the statement start once per table, and
// xact.c starts each transaction at the statement start), so the ANALYZE
// after an hour's vacuum looks an hour old. It is timed by what the delivery
// worker has seen itself (AutovacuumSightings).
// Naming a transaction that holds nothing back sends the DBA after the wrong
// session, and naming the oldest one hides the real holder behind it.
#pragma once

#include <cstddef>
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
    // An autovacuum worker, and the older of its xmin and xid (the value,
    // not its age: that grows with every new transaction id).
    bool autovacuum = false;
    std::uint32_t horizon_xid = 0;
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

// How long each autovacuum worker has held its horizon, as the looks of one
// delivery worker saw it: from the first look that saw that worker (pid) hold
// that horizon in that table's work (the xact_start it shows). The ANALYZE
// after a vacuum is counted from its first sighting (the vacuum itself holds
// nothing back and is not counted), the next table starts a new count, and an
// ANALYZE that keeps its snapshot for 30 seconds is still named, one look
// later at most. The memory holds only the autovacuum workers that held the
// horizon at the last look: at most one entry per worker PostgreSQL runs.
class AutovacuumSightings {
  public:
    // `looked_at` is this look's instant as the server counts time
    // (microseconds). Each autovacuum transaction in `open` gets the open
    // time and start of its sighting when those are later than its
    // xact_start's; every other transaction is left as it is.
    void time_autovacuum(std::vector<OpenTransaction> &open, std::int64_t looked_at);
    std::size_t remembered() const { return sightings_.size(); }

  private:
    struct Sighting {
        int pid;
        std::uint32_t horizon_xid;
        std::int64_t table_began_at;  // the xact_start PostgreSQL shows
        std::int64_t first_seen_at;
    };
    std::vector<Sighting> sightings_;
};

}  // namespace booking_events
