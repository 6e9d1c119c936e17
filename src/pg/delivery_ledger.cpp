#include "pg/delivery_ledger.hpp"

#include <chrono>

#include "pg/boundary.hpp"
#include "pg/delivery_store.hpp"

namespace booking_events {

namespace {

std::int64_t now_unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::vector<AttemptDecision> DeliveryLedger::collect(HttpDriver &driver, int max_attempts,
                                                     const BackoffPolicy &policy,
                                                     std::mt19937_64 &random) {
    std::vector<AttemptDecision> decisions;
    for (HttpResult &result : driver.take_completed()) {
        // Requests are tagged with a number of their own, never the outbox
        // id: ids start again at 1 when the extension is created anew, and an
        // answer for an event of the dropped outbox must not be taken for one
        // of the new.
        auto found = in_flight_.find(result.tag);
        if (found == in_flight_.end()) continue;
        FinishedAttempt attempt{std::move(found->second),
                                {},
                                result.http_status,
                                result.response_time_ms,
                                result.error};
        in_flight_.erase(found);
        if (attempt.event.has_booking) busy_bookings_.erase(attempt.event.booking_id);
        AttemptOutcome outcome{result.http_status, result.error, result.retry_after};
        const int attempts_in_budget =
            attempt.event.attempts_before + 1 - attempt.event.attempts_before_retry;
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        attempt.decision = decide_after_attempt(outcome, attempts_in_budget, max_attempts, policy,
                                                unit(random), now_unix_ms());
        decisions.push_back(attempt.decision);
        finished_.push_back(std::move(attempt));
    }
    return decisions;
}

void DeliveryLedger::record(const ExtensionInfo &extension) {
    recording_ = 0;
    if (finished_.empty()) return;
    std::vector<AttemptRow> rows;
    rows.reserve(finished_.size());
    for (const FinishedAttempt &attempt : finished_) {
        AttemptRow row{};
        row.outbox_id = attempt.event.outbox_id;
        row.event_id = attempt.event.event_id.c_str();
        row.event_type = attempt.event.event_type.c_str();
        row.attempt = attempt.event.attempts_before + 1;
        row.step = attempt.decision.step;
        row.http_status = static_cast<int>(attempt.http_status);
        const std::string &error =
            attempt.decision.error.empty() ? attempt.transport_error : attempt.decision.error;
        row.error = error.empty() ? nullptr : error.c_str();
        row.response_time_ms = attempt.response_time_ms;
        row.retry_delay_ms = attempt.decision.retry_delay_ms;
        rows.push_back(row);
    }
    pg_call([&] { record_attempts(extension, rows.data(), static_cast<int>(rows.size())); });
    recording_ = finished_.size();
}

void DeliveryLedger::confirm_recorded() {
    finished_.erase(finished_.begin(), finished_.begin() + static_cast<std::ptrdiff_t>(recording_));
    recording_ = 0;
}

void DeliveryLedger::forget_everything() {
    finished_.clear();
    in_flight_.clear();
    busy_bookings_.clear();
    recording_ = 0;
}

int DeliveryLedger::claim_and_send(const ExtensionInfo &extension, HttpDriver &driver,
                                   const WebhookTarget &target, int limit) {
    std::vector<int64> ids;
    ids.reserve(in_flight_.size());
    for (const auto &entry : in_flight_) ids.push_back(entry.second.outbox_id);
    std::vector<const char *> bookings;
    bookings.reserve(busy_bookings_.size());
    for (const std::string &booking : busy_bookings_) bookings.push_back(booking.c_str());

    // A quarter of all claimed slots go to the newest due events. Slots free
    // one or two at a time while a backlog drains, so the quarter is kept as
    // a running credit rather than rounded per claim.
    newest_lane_credit_ += limit / 4.0;
    const int newest = static_cast<int>(newest_lane_credit_);
    newest_lane_credit_ -= newest;
    ClaimBatch batch{0, nullptr};
    pg_call([&] {
        batch = claim_due_events(extension, ids.data(), static_cast<int>(ids.size()),
                                 bookings.data(), static_cast<int>(bookings.size()), limit, newest);
    });
    const std::int64_t unix_seconds = now_unix_ms() / 1000;
    for (int i = 0; i < batch.count; ++i) {
        const ClaimedEvent &claimed = batch.events[i];
        InFlightEvent event;
        event.outbox_id = claimed.outbox_id;
        event.event_id = claimed.event_id;
        event.event_type = claimed.event_type;
        event.has_booking = claimed.booking_id != nullptr;
        if (event.has_booking) event.booking_id = claimed.booking_id;
        event.attempts_before = claimed.attempts;
        event.attempts_before_retry = claimed.attempts_before_retry;
        driver.submit(build_webhook_request(
            target, ++last_tag_, event.event_id,
            std::string(claimed.body, static_cast<std::size_t>(claimed.body_length)),
            unix_seconds));
        if (event.has_booking) busy_bookings_.insert(event.booking_id);
        in_flight_.emplace(last_tag_, std::move(event));
    }
    return batch.count;
}

}  // namespace booking_events
