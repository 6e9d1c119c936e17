// What changes around the delivery worker without telling it: its session
// settings (ALTER DATABASE/ROLE ... SET is applied only when a session
// starts, so a fence set or lifted with `ALTER DATABASE ... SET
// default_transaction_read_only` would go unseen) and long transactions.
//
// Long transactions: every delivered event leaves a dead row version, and
// while some transaction's snapshot is older than those rows neither vacuum
// nor index cleanup may remove them; every claim steps over them (a drain ran
// 4x slower behind one open transaction). The worker cannot end such a
// transaction, but it names it: in the log, and in webhook_health(); only
// one that really holds the outbox back (core/horizon_holder.hpp).
#pragma once

#include <optional>
#include <string>

#include "core/horizon_holder.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

class WorkerSurroundings {
  public:
    // Inside the worker's transaction with SPI connected. Looks every few
    // seconds, or at every call while `failing` (before each retry after an
    // error). Returns true once the session settings differ from those the
    // worker started with: a fresh worker should take over.
    bool look_around(bool failing, long now_ms);
    // After a reload: look at the next call.
    void look_soon() { due_at_ms_ = 0; }

  private:
    void note_xmin_holder_change(const std::optional<OpenTransaction> &holder);

    long due_at_ms_ = 0;
    std::string settings_signature_;
    bool signature_known_ = false;
    bool settings_changed_ = false;
    std::optional<OpenTransaction> xmin_holder_;
    AutovacuumSightings autovacuum_sightings_;
};

}  // namespace booking_events
