#include "pg/worker_log.hpp"

#include "core/webhook_url.hpp"
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

void log_retention_deleted(long long total, int days) {
    pg_call([&] {
        ereport(LOG, (errmsg("booking_events worker: retention deleted %lld rows older "
                             "than %d days",
                             total, days)));
    });
}

void log_endpoint_notices(const std::vector<EndpointNotice> &notices) {
    for (const EndpointNotice &notice : notices) {
        const int level = notice.routine ? DEBUG1 : LOG;
        pg_call(
            [&] { ereport(level, (errmsg("booking_events worker: %s", notice.message.c_str()))); });
    }
}

void DeliveryTargetLog::on_settings(const std::string &default_url, bool paused) {
    if (default_url.empty() || paused) {
        if (paused_logged_) return;
        paused_logged_ = true;
        log_worker_line(
            paused ? "booking_events.paused is on: delivery is paused, events wait"
                   : "webhook_url is empty: delivery is paused, events wait in the outbox");
    } else if (paused_logged_ || url_logged_ != default_url) {
        paused_logged_ = false;
        url_logged_ = default_url;
        const std::string shown = url_origin(default_url);
        pg_call([&] {
            ereport(LOG, (errmsg("booking_events worker delivering to %s", shown.c_str())));
        });
    }
}

void log_worker_line_once(bool &logged, const char *message) {
    if (logged) return;
    logged = true;
    log_worker_line(message);
}

}  // namespace booking_events
