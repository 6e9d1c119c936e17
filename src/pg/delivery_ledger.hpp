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
#include "core/outcome_ring.hpp"
#include "core/record_gathering.hpp"
#include "core/webhook_request.hpp"
#include "pg/extension_catalog.hpp"
#include "pg/worker_endpoints.hpp"

namespace booking_events {

struct ClaimRound {
    bool more_due = false;  // an endpoint's claim may have left more due now
    // An endpoint's oldest due events filled their share of a claim: a
    // backlog, where the recorder engages.
    bool backlog = false;
    bool claimed_any = false;   // some endpoint was asked (its slots allowed)
    std::int64_t wait_ms = -1;  // until an endpoint's permit allows more; -1: none waits
};

class DeliveryLedger {
  public:
    std::size_t in_flight() const { return in_flight_.size(); }
    bool has_unrecorded() const { return !finished_.empty(); }
    std::size_t unrecorded() const { return finished_.size(); }

    // Decides what each transfer the driver finished means for its
    // delivery, and tells its endpoint's runtime (breaker, Retry-After,
    // AIMD); returns the decisions and appends the endpoints' notices, for
    // the caller's log. `now` is the worker's steady clock.
    std::vector<AttemptDecision> collect(HttpDriver &driver, int max_attempts,
                                         const BackoffPolicy &policy, std::mt19937_64 &random,
                                         WorkerEndpoints &endpoints, std::int64_t now,
                                         std::vector<EndpointNotice> *notices);

    // Whether the worker's next transaction records the unrecorded attempts
    // (record() below): once they have gathered (core/record_gathering.hpp;
    // `now_ms` is the clock collect() was given), at once when `at_once`
    // (the worker stops or hands over), never while the recorder holds any.
    bool record_due(bool at_once, std::int64_t now_ms) const;
    // Milliseconds until record_due (0: now, or nothing the worker records).
    std::int64_t record_wait_ms(bool at_once, std::int64_t now_ms) const;

    // Inside the worker's transaction: writes the unrecorded attempts, to
    // the deliveries when the schema has them (1.2.0), else to the outbox.
    // An attempt sent before ALTER EXTENSION UPDATE and recorded after it
    // goes to its (event, 'default') delivery, which the update created.
    void record(const ExtensionInfo &extension, bool schema_has_endpoints);
    // After the commit: those attempts are recorded for good.
    void confirm_recorded();
    // After a rollback: they are still to be recorded.
    void forget_recording() { recording_ = 0; }
    // The outbox is gone or another table (DROP/CREATE EXTENSION): requests
    // still in flight finish unrecorded (their tags are no longer known).
    void forget_everything();

    // The recorder (recorder_link.hpp). Outcomes handed to it stay on the
    // books until it has committed them: their deliveries are neither
    // claimed again nor, while it holds any, recorded by the worker too.
    bool awaiting_recorder() const { return !handed_.empty(); }
    // Whether the worker may record its finished attempts in its own
    // transaction: only while the recorder holds none of them.
    bool may_record_itself() const { return !finished_.empty() && handed_.empty(); }
    // Outside transactions: moves finished attempts into the ring, oldest
    // first, while it has room and the recorder holds fewer than
    // `max_handed`; returns how many.
    std::size_t hand_over(OutcomeRing &ring, std::uint32_t extension_oid, std::size_t max_handed);
    // The recorder committed the ring up to `committed`; returns whether
    // any attempt left the books.
    bool release_recorded(std::uint64_t committed);
    // The recorder stopped: what it did not commit is finished and
    // unrecorded again, to be recorded by the worker or a new recorder.
    void take_back();

    // Inside the worker's transaction: claims due deliveries of `endpoint`
    // for up to `limit` requests (of up to its batch_max events each) and
    // hands to the driver as many requests as its runtime permits now (rate
    // limit, breaker probe); returns whether more may be due now (a full
    // claim, or one that did not look at the oldest due events:
    // core/claim_lanes.hpp), and sets `*wake_at` (steady clock) when a
    // permit said "not before".
    bool claim_and_send(const ExtensionInfo &extension, bool schema_has_endpoints,
                        HttpDriver &driver, WorkerEndpoint &endpoint, int limit, std::int64_t now,
                        std::vector<EndpointNotice> *notices, std::int64_t *wake_at);
    std::size_t in_flight_to(const std::string &endpoint) const;

    // Each endpoint that may be sent to claims its share of the free slots
    // (max_concurrency / endpoints, at least one): an endpoint down,
    // throttled or slow holds only its share, never the others' (a hung
    // receiver's requests keep their slots until the timeout).
    ClaimRound claim_round(const ExtensionInfo &extension, bool schema_has_endpoints,
                           HttpDriver &driver, const std::vector<WorkerEndpoint *> &endpoints,
                           int max_concurrency, int batch_size, std::int64_t now,
                           std::vector<EndpointNotice> *notices);

  private:
    struct InFlightEvent {
        std::int64_t outbox_id = 0;
        std::string endpoint;
        bool is_probe = false;  // the breaker's probe: a failure burns no attempt
        std::string event_id;
        std::string event_type;
        std::string booking_id;  // empty when the event has none
        bool has_booking = false;
        int attempts_before = 0;
        int attempts_before_retry = 0;
        // Claimed right after its booking's previous answer was recorded:
        // its own answer is recorded at once (core/record_gathering.hpp).
        bool follows_recorded = false;
    };

    struct FinishedAttempt {
        InFlightEvent event;
        AttemptDecision decision;
        long http_status;
        double response_time_ms;
        // Kept even for a 2xx whose body was cut off: the audit trail says so.
        std::string transport_error;
        // A 429 or a failed probe: logged, but it burns nothing of the
        // max_attempts budget (the receiver throttles or is still down).
        bool outside_budget = false;
        std::int64_t finished_ms = 0;  // steady clock
    };

    // By request tag: the events one request carries (several in a batch).
    std::unordered_map<std::uint64_t, std::vector<InFlightEvent>> in_flight_;
    // Requests still in flight when forget_everything() dropped their
    // events, by tag: their endpoint (the rate limit counts them until they
    // end).
    std::unordered_map<std::uint64_t, std::string> forgotten_;
    // Bookings with a delivery in flight, by endpoint and booking
    // (busy_key): per-booking order is per endpoint.
    std::unordered_set<std::string> busy_bookings_;
    std::vector<FinishedAttempt> finished_;
    struct HandedOver {
        std::uint64_t ring_end;  // committed once the recorder's position passes this
        FinishedAttempt attempt;
    };
    std::vector<HandedOver> handed_;
    RecordedOutcome outcome_of(const FinishedAttempt &attempt, std::uint32_t extension_oid) const;
    RecordGathering gathering_{kRecordWindowMs, kMostAnswersGathered};
    RecentlyRecordedBookings recently_recorded_;  // by busy_key
    std::size_t followers_waiting() const;
    std::size_t recording_ = 0;        // of finished_, written in the open transaction
    bool oldest_lane_filled_ = false;  // in the current claim_round
    std::uint64_t last_tag_ = 0;
};

}  // namespace booking_events
