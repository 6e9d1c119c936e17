#include "pg/worker_log.hpp"

#include "pg/boundary.hpp"

namespace booking_events {

void log_worker_line(const char *message) {
    pg_call([&] { ereport(LOG, (errmsg("booking_events worker: %s", message))); });
}

void log_delivery_state(const StateReport &report, const std::string &last_error) {
    const long long failed = report.failures, succeeded = report.successes;
    const char *error = last_error.c_str();
    const bool failing = report.failing;
    pg_call([&] {
        if (failing)
            ereport(LOG,
                    (errmsg("booking_events worker: deliveries are failing (%s); retrying with "
                            "backoff",
                            error),
                     errdetail("%lld attempts failed and %lld succeeded since the previous "
                               "report.",
                               failed, succeeded)));
        else
            ereport(LOG, (errmsg("booking_events worker: deliveries succeed again"),
                          errdetail("%lld attempts failed and %lld succeeded since the previous "
                                    "report.",
                                    failed, succeeded)));
    });
}

void log_transaction_error(ErrorData *error, const ErrorReaction &reaction) {
    const long long delay_ms = reaction.retry_in_ms;
    const long long repeats = reaction.suppressed_repeats;
    const bool log = reaction.log;
    pg_call([&] {
        if (log) {
            error->elevel = LOG;
            if (error->detail == nullptr)
                error->detail = repeats > 0 ? psprintf(
                                                  "The worker retries in %lld ms, then with a "
                                                  "growing delay; the previous error repeated "
                                                  "%lld times.",
                                                  delay_ms, repeats)
                                            : psprintf(
                                                  "The worker retries in %lld ms, then with a "
                                                  "growing delay; repeats are not logged.",
                                                  delay_ms);
            ThrowErrorData(error);
        }
        FreeErrorData(error);
    });
}

void log_transaction_recovery(const Recovery &recovery) {
    if (!recovery.log) return;
    const long long failures = recovery.failures;
    const long long seconds = recovery.failing_for_ms / 1000;
    pg_call([&] {
        ereport(LOG, (errmsg("booking_events worker: transactions succeed again after %lld "
                             "failed tries in %lld s",
                             failures, seconds)));
    });
}

}  // namespace booking_events
