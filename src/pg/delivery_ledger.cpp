#include "pg/delivery_ledger.hpp"

#include <algorithm>
#include <chrono>

#include "core/batch_body.hpp"
#include "core/claim_lanes.hpp"
#include "core/retry_after.hpp"
#include "pg/boundary.hpp"
#include "pg/delivery_store.hpp"
#include "pg/endpoint_store.hpp"
#include "pg/event_capture.hpp"
#include "pg/outcome_recording.hpp"

namespace booking_events {

namespace {

std::int64_t now_unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Endpoint names hold no control characters (webhook_endpoints_name_check).
std::string busy_key(const std::string &endpoint, const std::string &booking_id) {
    return endpoint + '\n' + booking_id;
}

constexpr long kTooManyRequests = 429;
// The most deliveries one claim reads (batches of an endpoint with a large
// batch_max included).
constexpr int kMaxClaim = 1000;

}  // namespace

std::vector<AttemptDecision> DeliveryLedger::collect(HttpDriver &driver, int max_attempts,
                                                     const BackoffPolicy &policy,
                                                     std::mt19937_64 &random,
                                                     WorkerEndpoints &endpoints, std::int64_t now,
                                                     std::vector<EndpointNotice> *notices) {
    std::vector<AttemptDecision> decisions;
    for (HttpResult &result : driver.take_completed()) {
        // Requests are tagged with a number of their own, never the outbox
        // id: ids start again at 1 when the extension is created anew, and an
        // answer for an event of the dropped outbox must not be taken for one
        // of the new.
        auto found = in_flight_.find(result.tag);
        if (found == in_flight_.end()) {
            // Forgotten with its outbox, but it was in flight at its
            // endpoint's receiver until now: the rate window learns it ended.
            auto orphan = forgotten_.find(result.tag);
            if (orphan == forgotten_.end()) continue;
            if (WorkerEndpoint *endpoint = endpoints.find(orphan->second))
                endpoint->runtime->on_request_ended(now);
            forgotten_.erase(orphan);
            continue;
        }
        std::vector<InFlightEvent> events = std::move(found->second);
        in_flight_.erase(found);
        if (events.empty()) continue;
        const std::int64_t unix_now = now_unix_ms();
        const bool was_probe = events.front().is_probe;
        // One answer for the whole request (a batch is one request): the
        // endpoint's runtime hears it once. An endpoint removed meanwhile
        // has no runtime left to tell.
        WorkerEndpoint *endpoint = endpoints.find(events.front().endpoint);
        if (endpoint != nullptr) {
            RequestFeedback feedback;
            feedback.http_status = result.http_status;
            if (!result.retry_after.empty())
                feedback.retry_after_ms = parse_retry_after_ms(result.retry_after, unix_now);
            feedback.was_probe = was_probe;
            for (EndpointNotice &notice : endpoint->runtime->on_response(now, feedback))
                notices->push_back(std::move(notice));
        }
        const bool delivered_answer =
            result.error.empty() && result.http_status >= 200 && result.http_status < 300;
        const bool outside_budget =
            result.http_status == kTooManyRequests || (was_probe && !delivered_answer);
        for (InFlightEvent &event : events) {
            if (event.has_booking) busy_bookings_.erase(busy_key(event.endpoint, event.booking_id));
            FinishedAttempt attempt{
                std::move(event), {}, result.http_status, result.response_time_ms, result.error};
            attempt.outside_budget = outside_budget;
            attempt.finished_ms = now;
            AttemptOutcome outcome{result.http_status, result.error, result.retry_after};
            const int attempts_in_budget = attempt.event.attempts_before + 1 -
                                           attempt.event.attempts_before_retry -
                                           (outside_budget ? 1 : 0);
            std::uniform_real_distribution<double> unit(0.0, 1.0);
            attempt.decision = decide_after_attempt(
                outcome, std::max(attempts_in_budget, 1),
                outside_budget ? max_attempts + 1 : max_attempts, policy, unit(random), unix_now);
            if (endpoint != nullptr)
                endpoint->note_result(attempt.decision.step == NextStep::Delivered,
                                      attempt.decision.error.empty() ? attempt.transport_error
                                                                     : attempt.decision.error,
                                      now);
            decisions.push_back(attempt.decision);
            finished_.push_back(std::move(attempt));
        }
    }
    return decisions;
}

RecordedOutcome DeliveryLedger::outcome_of(const FinishedAttempt &attempt,
                                           std::uint32_t extension_oid) const {
    RecordedOutcome outcome;
    outcome.extension_oid = extension_oid;
    outcome.outbox_id = attempt.event.outbox_id;
    outcome.endpoint = attempt.event.endpoint;
    outcome.event_id = attempt.event.event_id;
    outcome.event_type = attempt.event.event_type;
    outcome.attempt = attempt.event.attempts_before + 1;
    outcome.step = static_cast<int>(attempt.decision.step);
    outcome.http_status = static_cast<int>(attempt.http_status);
    outcome.error =
        attempt.decision.error.empty() ? attempt.transport_error : attempt.decision.error;
    outcome.has_error = !outcome.error.empty();
    outcome.response_time_ms = attempt.response_time_ms;
    outcome.retry_delay_ms = attempt.decision.retry_delay_ms;
    outcome.outside_budget = attempt.outside_budget;
    return outcome;
}

std::size_t DeliveryLedger::followers_waiting() const {
    return static_cast<std::size_t>(std::count_if(
        finished_.begin(), finished_.end(),
        [](const FinishedAttempt &attempt) { return attempt.event.follows_recorded; }));
}

bool DeliveryLedger::record_due(bool at_once, std::int64_t now_ms) const {
    if (!may_record_itself()) return false;  // nothing finished, or the recorder holds some
    return at_once || gathering_.due(finished_.size(), followers_waiting(),
                                     finished_.front().finished_ms, now_ms);
}

std::int64_t DeliveryLedger::record_wait_ms(bool at_once, std::int64_t now_ms) const {
    if (!may_record_itself() || at_once) return 0;
    return gathering_.wait_ms(finished_.size(), followers_waiting(), finished_.front().finished_ms,
                              now_ms);
}

void DeliveryLedger::record(const ExtensionInfo &extension, bool schema_has_endpoints) {
    recording_ = 0;
    // While the recorder holds outcomes it alone writes them: two writers
    // settling one event at once would each miss the other's change.
    if (!may_record_itself()) return;
    std::vector<RecordedOutcome> outcomes;
    outcomes.reserve(finished_.size());
    for (const FinishedAttempt &attempt : finished_)
        outcomes.push_back(outcome_of(attempt, extension.extension_oid));
    record_outcomes(extension, schema_has_endpoints, outcomes);
    recording_ = finished_.size();
    // Their bookings' next events may be claimed from now on, in this
    // transaction already: they follow.
    std::vector<std::string> bookings;
    for (const FinishedAttempt &attempt : finished_)
        if (attempt.event.has_booking)
            bookings.push_back(busy_key(attempt.event.endpoint, attempt.event.booking_id));
    recently_recorded_.replace(bookings);
}

std::size_t DeliveryLedger::hand_over(OutcomeRing &ring, std::uint32_t extension_oid,
                                      std::size_t max_handed) {
    std::size_t count = 0;
    while (count < finished_.size() && handed_.size() < max_handed) {
        const std::optional<std::uint64_t> end =
            ring.push(outcome_of(finished_[count], extension_oid));
        if (!end) break;
        handed_.push_back(HandedOver{*end, std::move(finished_[count])});
        ++count;
    }
    finished_.erase(finished_.begin(), finished_.begin() + static_cast<std::ptrdiff_t>(count));
    return count;
}

bool DeliveryLedger::release_recorded(std::uint64_t committed) {
    std::size_t released = 0;
    while (released < handed_.size() && handed_[released].ring_end <= committed) ++released;
    handed_.erase(handed_.begin(), handed_.begin() + static_cast<std::ptrdiff_t>(released));
    return released > 0;
}

void DeliveryLedger::take_back() {
    std::vector<FinishedAttempt> unrecorded;
    unrecorded.reserve(handed_.size() + finished_.size());
    for (HandedOver &handed : handed_) unrecorded.push_back(std::move(handed.attempt));
    for (FinishedAttempt &attempt : finished_) unrecorded.push_back(std::move(attempt));
    handed_.clear();
    finished_ = std::move(unrecorded);
}

void DeliveryLedger::confirm_recorded() {
    finished_.erase(finished_.begin(), finished_.begin() + static_cast<std::ptrdiff_t>(recording_));
    recording_ = 0;
}

void DeliveryLedger::forget_everything() {
    finished_.clear();
    handed_.clear();
    for (const auto &entry : in_flight_)
        if (!entry.second.empty()) forgotten_.emplace(entry.first, entry.second.front().endpoint);
    in_flight_.clear();
    busy_bookings_.clear();
    recording_ = 0;
}

std::size_t DeliveryLedger::in_flight_to(const std::string &endpoint) const {
    std::size_t count = 0;
    for (const auto &entry : in_flight_)
        if (!entry.second.empty() && entry.second.front().endpoint == endpoint) ++count;
    return count;
}

bool DeliveryLedger::claim_and_send(const ExtensionInfo &extension, bool schema_has_endpoints,
                                    HttpDriver &driver, WorkerEndpoint &endpoint, int limit,
                                    std::int64_t now, std::vector<EndpointNotice> *notices,
                                    std::int64_t *wake_at) {
    EndpointRuntime &runtime = *endpoint.runtime;
    SendPermit permit = runtime.permit(now);
    if (!permit.allowed) {
        if (permit.not_before) *wake_at = *permit.not_before;
        endpoint.had_work = false;  // waiting: it needs no share of the slots now
        return false;
    }
    // While the breaker probes, one request goes: the probe.
    if (permit.is_probe) limit = 1;
    // `limit` requests of up to batch_max events each. The claim returns at
    // most one event per booking (its oldest pending one, none in flight),
    // so no request carries two events of a booking and the order holds
    // inside and across batches.
    const int batch_max = std::max(runtime.settings().batch_max, 1);
    const int claim_limit = schema_has_endpoints ? std::min(limit * batch_max, kMaxClaim) : limit;
    std::vector<int64> ids;
    const std::string prefix = endpoint.name + '\n';
    for (const auto &entry : in_flight_)
        for (const InFlightEvent &event : entry.second)
            if (event.endpoint == endpoint.name) ids.push_back(event.outbox_id);
    std::vector<const char *> bookings;
    for (const std::string &key : busy_bookings_)
        if (key.compare(0, prefix.size(), prefix) == 0)
            bookings.push_back(key.c_str() + prefix.size());
    // Finished but not recorded in this transaction (with the recorder, or
    // waiting for it): still pending in the table, so not claimable yet.
    const auto unsettled = [&](const FinishedAttempt &attempt) {
        if (attempt.event.endpoint != endpoint.name) return;
        ids.push_back(attempt.event.outbox_id);
        if (attempt.event.has_booking) bookings.push_back(attempt.event.booking_id.c_str());
    };
    for (const HandedOver &handed : handed_) unsettled(handed.attempt);
    for (std::size_t i = recording_; i < finished_.size(); ++i) unsettled(finished_[i]);

    // A quarter of the claimed slots go to the newest due events
    // (core/claim_lanes.hpp).
    const ClaimSplit split = endpoint.claim_lanes.split(claim_limit);
    const int newest = split.newest;
    ClaimBatch batch{0, nullptr, 0};
    if (schema_has_endpoints) {
        pg_call([&] {
            batch = claim_endpoint_deliveries(
                extension, endpoint.name.c_str(), ids.data(), static_cast<int>(ids.size()),
                bookings.data(), static_cast<int>(bookings.size()), claim_limit, newest);
        });
    } else {
        pg_call([&] {
            batch = claim_due_events(extension, ids.data(), static_cast<int>(ids.size()),
                                     bookings.data(), static_cast<int>(bookings.size()),
                                     claim_limit, newest);
        });
    }
    const bool more_due = more_may_be_due(split, batch.count, batch.removed_without_event);
    endpoint.claim_lanes.claimed(more_due);
    // A claim of the newest lane alone that found nothing says nothing of
    // the endpoint's backlog.
    endpoint.had_work = batch.count > 0 || more_due;
    if (split.oldest > 0 && batch.count >= split.oldest) oldest_lane_filled_ = true;
    const std::int64_t unix_seconds = now_unix_ms() / 1000;
    for (int first = 0; first < batch.count; first += batch_max) {
        // The rate limit may allow fewer requests than were claimed: the
        // rest stay pending, unsent, and are claimed again when the window
        // has room.
        if (first > 0) {
            permit = runtime.permit(now);
            if (!permit.allowed) {
                if (permit.not_before) *wake_at = *permit.not_before;
                break;
            }
        }
        const int count = std::min(batch_max, batch.count - first);
        std::vector<InFlightEvent> events;
        std::vector<std::string_view> bodies;
        for (int i = first; i < first + count; ++i) {
            const ClaimedEvent &claimed = batch.events[i];
            InFlightEvent event;
            event.outbox_id = claimed.outbox_id;
            event.endpoint = endpoint.name;
            event.is_probe = permit.is_probe;
            event.event_id = claimed.event_id;
            event.event_type = claimed.event_type;
            event.has_booking = claimed.booking_id != nullptr;
            if (event.has_booking) {
                event.booking_id = claimed.booking_id;
                event.follows_recorded =
                    recently_recorded_.follows(busy_key(endpoint.name, event.booking_id));
            }
            event.attempts_before = claimed.attempts;
            event.attempts_before_retry = claimed.attempts_before_retry;
            bodies.emplace_back(claimed.body, static_cast<std::size_t>(claimed.body_length));
            events.push_back(std::move(event));
        }
        for (EndpointNotice &notice : runtime.on_request_started(now, permit.is_probe))
            notices->push_back(std::move(notice));
        // Several events: one signed request whose webhook-id is a fresh
        // batch id; one event alone: its own body and id, as always.
        const std::string webhook_id = batch_max > 1 ? new_event_id() : events.front().event_id;
        const std::string body =
            batch_max > 1 ? build_batch_body(webhook_id, bodies) : std::string(bodies.front());
        driver.submit(
            build_webhook_request(endpoint.target, ++last_tag_, webhook_id, body, unix_seconds));
        for (const InFlightEvent &event : events)
            if (event.has_booking) busy_bookings_.insert(busy_key(endpoint.name, event.booking_id));
        in_flight_.emplace(last_tag_, std::move(events));
    }
    return more_due;
}

ClaimRound DeliveryLedger::claim_round(const ExtensionInfo &extension, bool schema_has_endpoints,
                                       HttpDriver &driver,
                                       const std::vector<WorkerEndpoint *> &endpoints,
                                       int max_concurrency, int batch_size, std::int64_t now,
                                       std::vector<EndpointNotice> *notices) {
    ClaimRound round;
    oldest_lane_filled_ = false;
    if (endpoints.empty()) return round;
    const std::size_t slots = static_cast<std::size_t>(std::max(max_concurrency, 1));
    // Shared among the endpoints with work (something in flight, or found
    // by their last claim): three idle endpoints beside a busy one must not
    // cut its concurrency to a quarter. An idle endpoint is still asked,
    // within the same share, and counts again once it finds work.
    std::size_t with_work = 0;
    for (const WorkerEndpoint *endpoint : endpoints)
        if (endpoint->had_work || in_flight_to(endpoint->name) > 0) ++with_work;
    const std::size_t share = std::max<std::size_t>(1, slots / std::max<std::size_t>(1, with_work));
    std::int64_t wake_at = -1;
    for (WorkerEndpoint *endpoint : endpoints) {
        const std::size_t free = in_flight_.size() >= slots ? 0 : slots - in_flight_.size();
        const std::size_t busy = in_flight_to(endpoint->name);
        const std::size_t room = std::min(free, busy >= share ? std::size_t{0} : share - busy);
        if (room == 0) continue;
        const int limit =
            static_cast<int>(std::min<std::size_t>(room, static_cast<std::size_t>(batch_size)));
        std::int64_t endpoint_wake = -1;
        if (claim_and_send(extension, schema_has_endpoints, driver, *endpoint, limit, now, notices,
                           &endpoint_wake))
            round.more_due = true;
        if (endpoint_wake >= 0 && (wake_at < 0 || endpoint_wake < wake_at)) wake_at = endpoint_wake;
    }
    if (wake_at >= 0) round.wait_ms = std::max<std::int64_t>(0, wake_at - now);
    round.backlog = oldest_lane_filled_;
    return round;
}

}  // namespace booking_events
