// What happens to an event after one delivery attempt: the contract's
// classification of responses, the attempt budget and the retry delay.
#pragma once

#include <cstdint>
#include <string>

#include "core/backoff.hpp"

namespace booking_events {

enum class ResponseClass {
    Success,    // 2xx
    Retryable,  // no response (connection error, timeout), 408, 425, 429, 5xx
    Permanent,  // 410 and every other 1xx/3xx/4xx: retrying cannot help
};

ResponseClass classify_response(long http_status);

enum class NextStep { Delivered, Retry, Failed };

// The one encoding of an attempt's outcome in the tables: the outbox status
// the event is left in ("delivered", "pending" to retry, "failed") and the
// webhook_logs status of the attempt ("success" or "failed").
const char *outbox_status_after(NextStep step);
const char *log_status_after(NextStep step);

struct AttemptOutcome {
    long http_status = 0;     // 0 when no response was received
    std::string error;        // transport error text, empty when a response arrived
    std::string retry_after;  // raw Retry-After header value
};

struct AttemptDecision {
    NextStep step = NextStep::Failed;
    std::int64_t retry_delay_ms = 0;  // only for Retry
    std::string error;  // what webhook_logs.error / last_error record; empty on success
};

// `attempts_in_budget` counts this attempt too (1 after the first attempt).
AttemptDecision decide_after_attempt(const AttemptOutcome &outcome, int attempts_in_budget,
                                     int max_attempts, const BackoffPolicy &policy,
                                     double unit_random, std::int64_t now_unix_ms);

}  // namespace booking_events
