// The delivery worker's log lines about its own state. Each is written once
// per change of state, never once per request or per failed try, and says
// how much happened in between (README: Log lines).
#pragma once

#include <string>

#include "core/error_backoff.hpp"
#include "core/state_change_log.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

// "booking_events worker: <message>" at LOG.
void log_worker_line(const char *message);

// Deliveries failing (with the last error) or succeeding again.
void log_delivery_state(const StateReport &report, const std::string &last_error);

// A failed transaction: the error itself when it is new, with the retry
// delay and the number of repeats of the previous error that were not
// logged. Frees `error` either way.
void log_transaction_error(ErrorData *error, const ErrorReaction &reaction);

// The first successful transaction after failed ones.
void log_transaction_recovery(const Recovery &recovery);

}  // namespace booking_events
