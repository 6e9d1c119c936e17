// The delivery worker's books: the requests in flight and the attempts that
// finished but are not yet recorded in the outbox. An attempt leaves the
// books only once the transaction that recorded it has committed, so a
// failed transaction (a read-only database, a lock timeout) records it on a
// later try instead of sending the event again.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/delivery_policy.hpp"
#include "core/http_driver.hpp"
#include "core/webhook_request.hpp"
#include "pg/extension_catalog.hpp"

namespace booking_events {

class DeliveryLedger {
  public:
    std::size_t in_flight() const { return in_flight_.size(); }
    bool has_unrecorded() const { return !finished_.empty(); }

    // Decides what each transfer the driver finished means for its event;
    // returns the decisions, for the caller's log.
    std::vector<AttemptDecision> collect(HttpDriver &driver, int max_attempts,
                                         const BackoffPolicy &policy, std::mt19937_64 &random);

    // Inside the worker's transaction: writes the unrecorded attempts.
    void record(const ExtensionInfo &extension);
    // After the commit: those attempts are recorded for good.
    void confirm_recorded();
    // After a rollback: they are still to be recorded.
    void forget_recording() { recording_ = 0; }
    // The outbox is gone or another table (DROP/CREATE EXTENSION): requests
    // still in flight finish unrecorded (their tags are no longer known).
    void forget_everything();

    // Inside the worker's transaction: claims up to `limit` due events and
    // hands their requests to the driver; returns how many.
    int claim_and_send(const ExtensionInfo &extension, HttpDriver &driver,
                       const WebhookTarget &target, int limit);

  private:
    struct InFlightEvent {
        std::int64_t outbox_id = 0;
        std::string event_id;
        std::string event_type;
        std::string booking_id;  // empty when the event has none
        bool has_booking = false;
        int attempts_before = 0;
        int attempts_before_retry = 0;
    };

    struct FinishedAttempt {
        InFlightEvent event;
        AttemptDecision decision;
        long http_status;
        double response_time_ms;
        // Kept even for a 2xx whose body was cut off: the audit trail says so.
        std::string transport_error;
    };

    std::unordered_map<std::uint64_t, InFlightEvent> in_flight_;  // by request tag
    std::unordered_set<std::string> busy_bookings_;
    std::vector<FinishedAttempt> finished_;
    std::size_t recording_ = 0;  // of finished_, written in the open transaction
    std::uint64_t last_tag_ = 0;
    double newest_lane_credit_ = 0;
};

}  // namespace booking_events
