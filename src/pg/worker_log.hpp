// The delivery worker's log lines about its own state. Each is written once
// per change of state, never once per request or per failed try, and says
// how much happened in between (README: Log lines).
#pragma once

#include <string>

#include <vector>

#include "core/endpoint_runtime.hpp"
#include "core/error_backoff.hpp"
#include "core/state_change_log.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

// "booking_events worker: <message>" at LOG.
void log_worker_line(const char *message);
// The same, unless `logged` says it was; sets it.
void log_worker_line_once(bool &logged, const char *message);

// Deliveries failing (with the last error) or succeeding again.
void log_delivery_state(const StateReport &report, const std::string &last_error);

// A failed transaction: the error itself when it is new, with the retry
// delay and the number of repeats of the previous error that were not
// logged. Frees `error` either way.
void log_transaction_error(ErrorData *error, const ErrorReaction &reaction);

// What changed in an endpoint's state: breaker transitions, Retry-After
// pauses, rate cuts. One line each at LOG; a dead receiver's routine probe
// cycles at DEBUG1, so they do not flood the log.
void log_endpoint_notices(const std::vector<EndpointNotice> &notices);

// Where `default` delivers (the URL's origin only), or that delivery is
// paused: one line after each change of the settings that matters.
class DeliveryTargetLog {
  public:
    void on_settings(const std::string &default_url, bool paused);

  private:
    bool paused_logged_ = false;
    std::string url_logged_;
};

// The first successful transaction after failed ones.
void log_transaction_recovery(const Recovery &recovery);

// The end of a retention pass that deleted rows.
void log_retention_deleted(long long total, int days);

}  // namespace booking_events
