#include "core/delivery_policy.hpp"

#include "core/retry_after.hpp"

#include <algorithm>
#include <optional>

namespace booking_events {

ResponseClass classify_response(long http_status) {
    if (http_status >= 200 && http_status < 300) return ResponseClass::Success;
    if (http_status == 0 || http_status == 408 || http_status == 425 || http_status == 429 ||
        (http_status >= 500 && http_status < 600))
        return ResponseClass::Retryable;
    return ResponseClass::Permanent;
}

namespace {

// The one encoding of an attempt's outcome in the tables: the outbox row's
// status and the log row's, side by side.
struct StoredStatuses {
    const char *outbox;
    const char *log;
};

StoredStatuses stored_statuses(NextStep step) {
    switch (step) {
        case NextStep::Delivered:
            return {"delivered", "success"};
        case NextStep::Retry:
            return {"pending", "failed"};
        case NextStep::Failed:
            break;
    }
    return {"failed", "failed"};
}

}  // namespace

const char *outbox_status_after(NextStep step) { return stored_statuses(step).outbox; }

const char *log_status_after(NextStep step) { return stored_statuses(step).log; }

namespace {

std::string describe_failure(const AttemptOutcome &outcome) {
    if (outcome.http_status == 0) return outcome.error.empty() ? "no response" : outcome.error;
    std::string text = "HTTP " + std::to_string(outcome.http_status);
    if (!outcome.error.empty()) text += ": " + outcome.error;
    return text;
}

}  // namespace

AttemptDecision decide_after_attempt(const AttemptOutcome &outcome, int attempts_in_budget,
                                     int max_attempts, const BackoffPolicy &policy,
                                     double unit_random, std::int64_t now_unix_ms) {
    AttemptDecision decision;
    // A 2xx whose transfer still broke (e.g. body cut off) counts as delivered:
    // the receiver accepted the event, and resending would only duplicate it.
    switch (classify_response(outcome.http_status)) {
        case ResponseClass::Success:
            decision.step = NextStep::Delivered;
            return decision;
        case ResponseClass::Permanent:
            decision.step = NextStep::Failed;
            decision.error = describe_failure(outcome) + " (not retried)";
            return decision;
        case ResponseClass::Retryable:
            break;
    }
    if (attempts_in_budget >= max_attempts) {
        decision.step = NextStep::Failed;
        decision.error = describe_failure(outcome) + " (gave up after " +
                         std::to_string(attempts_in_budget) + " attempts)";
        return decision;
    }
    decision.step = NextStep::Retry;
    decision.error = describe_failure(outcome);
    std::int64_t delay = backoff_delay_ms(policy, attempts_in_budget, unit_random);
    if (outcome.http_status == 429 || outcome.http_status == 503) {
        // Honoured when longer than our own delay, but never past the cap the
        // DBA set, so a receiver cannot park an event for days.
        std::optional<std::int64_t> asked = parse_retry_after_ms(outcome.retry_after, now_unix_ms);
        if (asked) delay = std::max(delay, std::min(*asked, std::max(policy.max_ms, delay)));
    }
    decision.retry_delay_ms = delay;
    return decision;
}

}  // namespace booking_events
