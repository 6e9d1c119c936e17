// The delivery worker: drains the outbox of one database to the webhook.
//
// One loop, one process. It waits on a WaitEventSet holding its latch (set by
// committing backends, SIGHUP and SIGTERM) and libcurl's sockets, so new
// events, reloads and HTTP progress all wake it at once and an idle worker
// uses no CPU. Each pass records the attempts that finished and claims due
// events for the free request slots, in one short transaction.
#include <chrono>
#include <cinttypes>
#include <climits>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/delivery_policy.hpp"
#include "core/http_driver.hpp"
#include "core/webhook_request.hpp"
#include "core/webhook_url.hpp"
#include "pg/boundary.hpp"
#include "pg/delivery_store.hpp"
#include "pg/settings.hpp"
#include "pg/shared_state.hpp"
#include "pg/version.hpp"
#include "pg/version_compat.hpp"
#include "pg/worker_entry.hpp"

namespace booking_events {

namespace {

// How long to wait before looking again when there is nothing to be woken
// for: the extension is not created yet, or a query failed.
constexpr long kRecheckMs = 5000;
// Retention runs at most this often, in chunks of this many rows each.
constexpr long kRetentionIntervalMs = 3600 * 1000;
constexpr int kRetentionChunk = 5000;
// Longest wait for requests in flight when the worker is asked to stop.
constexpr long kShutdownGraceMs = 3000;

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
    std::int64_t outbox_id;
    InFlightEvent event;
    AttemptDecision decision;
    long http_status;
    double response_time_ms;
    // Kept even for a 2xx whose body was cut off: the audit trail says so.
    std::string transport_error;
};

std::int64_t now_unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class DeliveryWorker {
  public:
    DeliveryWorker() : rng_(std::random_device{}()) {
        // What one loop pass allocates outside its transactions (PostgreSQL
        // leaves TopMemoryContext current after a commit) is freed with the
        // pass, as pg_cron's loop does.
        pg_call([&] {
            loop_context_ = AllocSetContextCreate(TopMemoryContext, "booking_events worker loop",
                                                  ALLOCSET_DEFAULT_SIZES);
        });
        apply_settings();
    }

    void run() {
        while (!ShutdownRequestPending) {
            pg_call([&] {
                MemoryContextSwitchTo(loop_context_);
                MemoryContextReset(loop_context_);
            });
            if (ConfigReloadPending) {
                ConfigReloadPending = false;
                pg_call([] { ProcessConfigFile(PGC_SIGHUP); });
                apply_settings();
                claim_wanted_ = true;
            }
            pg_call([] { note_worker_loop(); });
            collect_results();
            if (recheck_at_ms_ >= 0 && steady_ms() >= recheck_at_ms_) {
                // Due once: if no transaction runs now (delivery paused), the
                // wait must not keep returning at once.
                claim_wanted_ = true;
                recheck_at_ms_ = -1;
            }
            // While delivery is paused a commit only needs noting: no
            // transaction is opened until there is somewhere to send to.
            const bool can_claim = claim_wanted_ && free_slots() > 0 && !target_.url.empty();
            if (!finished_.empty() || can_claim || (claim_wanted_ && !extension_checked_)) {
                extension_checked_ = true;
                const long wait_ms = run_transaction();
                recheck_at_ms_ = wait_ms < 0 ? -1 : steady_ms() + wait_ms;
            }
            if (steady_ms() >= retention_due_at_ms_) run_retention_chunk();
            wait_for_work();
        }
        finish_in_flight_before_exit();
    }

  private:
    // On SIGTERM (server shutdown, pg_terminate_backend) the requests in
    // flight get a moment to finish and be recorded, so that a routine stop
    // does not send them all again after the restart.
    void finish_in_flight_before_exit() {
        stopping_ = true;
        const long deadline =
            steady_ms() + std::min<long>(setting_request_timeout_ms, kShutdownGraceMs);
        while (!in_flight_.empty() && steady_ms() < deadline) {
            wait_for_work(deadline - steady_ms());
            collect_results();
        }
        if (!finished_.empty()) run_transaction();
    }

    std::size_t free_slots() const {
        const std::size_t limit = static_cast<std::size_t>(setting_max_concurrency);
        return in_flight_.size() >= limit ? 0 : limit - in_flight_.size();
    }

    void apply_settings() {
        target_.url = setting_webhook_url ? setting_webhook_url : "";
        target_.api_key = setting_api_key ? setting_api_key : "";
        target_.signing_keys =
            signing_keys_from_setting(setting_signing_secret ? setting_signing_secret : "");
        target_.user_agent = std::string("booking_events/") + kExtensionVersion;
        target_.timeout_ms = setting_request_timeout_ms;
        policy_.base_ms = setting_backoff_base_ms;
        policy_.max_ms = setting_backoff_max_ms;
        HttpDriverOptions options;
        options.ca_file = setting_ca_file ? setting_ca_file : "";
        options.user_agent = target_.user_agent;
        driver_.set_options(options);
        if (target_.url.empty()) {
            log_once(paused_logged_,
                     "webhook_url is empty: delivery is paused, events wait in the outbox");
        } else if (paused_logged_ || url_logged_ != target_.url) {
            paused_logged_ = false;
            url_logged_ = target_.url;
            const std::string shown = url_origin(target_.url);
            pg_call([&] {
                ereport(LOG, (errmsg("booking_events worker delivering to %s", shown.c_str())));
            });
        }
    }

    void log_once(bool &logged, const char *message) {
        if (logged) return;
        logged = true;
        pg_call([&] { ereport(LOG, (errmsg("booking_events worker: %s", message))); });
    }

    void collect_results() {
        for (HttpResult &result : driver_.take_completed()) {
            // Requests are tagged with a number of their own, never the
            // outbox id: ids start again at 1 when the extension is created
            // anew, and an answer for an event of the dropped outbox must not
            // be taken for one of the new.
            auto found = in_flight_.find(result.tag);
            if (found == in_flight_.end()) continue;
            FinishedAttempt attempt{found->second.outbox_id, std::move(found->second), {},
                                    result.http_status,      result.response_time_ms,  {}};
            in_flight_.erase(found);
            if (attempt.event.has_booking) busy_bookings_.erase(attempt.event.booking_id);
            AttemptOutcome outcome{result.http_status, result.error, result.retry_after};
            attempt.transport_error = result.error;
            const int attempts_in_budget =
                attempt.event.attempts_before + 1 - attempt.event.attempts_before_retry;
            std::uniform_real_distribution<double> unit(0.0, 1.0);
            attempt.decision =
                decide_after_attempt(outcome, attempts_in_budget, setting_max_attempts, policy_,
                                     unit(rng_), now_unix_ms());
            note_delivery_state(attempt.decision);
            finished_.push_back(std::move(attempt));
            // The booking's next event may be due now.
            claim_wanted_ = true;
        }
    }

    // One log line when deliveries start failing and one when they recover,
    // however many requests fail in between.
    void note_delivery_state(const AttemptDecision &decision) {
        const bool failing = decision.step != NextStep::Delivered;
        if (failing == receiver_failing_) return;
        receiver_failing_ = failing;
        const std::string error = decision.error;
        pg_call([&] {
            if (failing)
                ereport(LOG, (errmsg("booking_events worker: deliveries are failing (%s); "
                                     "retrying with backoff",
                                     error.c_str())));
            else
                ereport(LOG, (errmsg("booking_events worker: deliveries succeed again")));
        });
    }

    // Records finished attempts and claims new events; returns how long the
    // wait may be before a pending event falls due (-1: until woken).
    long run_transaction() {
        try {
            return transaction_body();
        } catch (const PgError &error) {
            recover_from_error(error.data());
        }
        return kRecheckMs;
    }

    long transaction_body() {
        clear_wake_request_before_snapshot();
        const bool extension_found = begin_transaction("booking_events: delivering");
        long wait_ms = -1;
        if (!extension_found) {
            // Results of requests sent before a DROP EXTENSION have nowhere to go.
            finished_.clear();
            in_flight_.clear();
            busy_bookings_.clear();
            known_extension_oid_ = InvalidOid;
            log_once(no_extension_logged_,
                     "extension \"booking_events\" is not created in this database; waiting");
            wait_ms = kRecheckMs;
        } else {
            no_extension_logged_ = false;
            forget_dropped_extension();
            record_finished();
            wait_ms = claim_and_send();
        }
        commit_transaction();
        return wait_ms;
    }

    // Each unit of the worker's bookkeeping is one short transaction with SPI
    // connected and the extension looked up; returns whether it exists.
    bool begin_transaction(const char *activity) {
        bool extension_found = false;
        pg_call([&] {
            SetCurrentStatementStartTimestamp();
            StartTransactionCommand();
            if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "booking_events: SPI_connect failed");
            PushActiveSnapshot(GetTransactionSnapshot());
            pgstat_report_activity(STATE_RUNNING, activity);
            extension_found = lookup_extension(&extension_);
        });
        return extension_found;
    }

    void commit_transaction() {
        pg_call([this] {
            SPI_finish();
            PopActiveSnapshot();
            CommitTransactionCommand();
            MemoryContextSwitchTo(loop_context_);
            // Without this the worker's updates reach the statistics only
            // when it exits, and autovacuum never sees the outbox's dead
            // rows (PostgreSQL rate-limits the actual flush).
            pgstat_report_stat(false);
            pgstat_report_activity(STATE_IDLE, nullptr);
        });
    }

    // One chunk per loop pass, between delivery transactions, so a large
    // backlog of old rows never holds long locks or starves delivery.
    void run_retention_chunk() {
        const int days = setting_log_retention_days;
        int64 deleted = 0;
        try {
            if (begin_transaction("booking_events: deleting expired rows") && days > 0)
                pg_call([&] { deleted = delete_expired_chunk(extension_, days, kRetentionChunk); });
            commit_transaction();
        } catch (const PgError &error) {
            recover_from_error(error.data());
        }
        retention_deleted_ += deleted;
        if (deleted >= kRetentionChunk) return;  // more to do on the next pass
        if (retention_deleted_ > 0) {
            const long long total = retention_deleted_;
            pg_call([&] {
                ereport(LOG, (errmsg("booking_events worker: retention deleted %lld rows older "
                                     "than %d days",
                                     total, days)));
            });
        }
        retention_deleted_ = 0;
        retention_due_at_ms_ = steady_ms() + kRetentionIntervalMs;
    }

    // After DROP EXTENSION and CREATE EXTENSION the outbox is another table:
    // nothing known about the old one applies. Requests still in flight
    // finish unrecorded (their tags are no longer known).
    void forget_dropped_extension() {
        if (extension_.extension_oid == known_extension_oid_) return;
        if (known_extension_oid_ != InvalidOid) {
            finished_.clear();
            in_flight_.clear();
            busy_bookings_.clear();
        }
        known_extension_oid_ = extension_.extension_oid;
    }

    void clear_wake_request_before_snapshot() {
        claim_wanted_ = false;
        pg_call([] { clear_wake_request(); });
    }

    void record_finished() {
        if (finished_.empty()) return;
        std::vector<AttemptRow> rows;
        rows.reserve(finished_.size());
        for (const FinishedAttempt &attempt : finished_) {
            AttemptRow row{};
            row.outbox_id = attempt.outbox_id;
            row.event_id = attempt.event.event_id.c_str();
            row.event_type = attempt.event.event_type.c_str();
            row.attempt = attempt.event.attempts_before + 1;
            row.step = attempt.decision.step == NextStep::Delivered ? RecordedStep::Delivered
                       : attempt.decision.step == NextStep::Retry   ? RecordedStep::Retry
                                                                    : RecordedStep::Failed;
            row.http_status = static_cast<int>(attempt.http_status);
            const std::string &error =
                attempt.decision.error.empty() ? attempt.transport_error : attempt.decision.error;
            row.error = error.empty() ? nullptr : error.c_str();
            row.response_time_ms = attempt.response_time_ms;
            row.retry_delay_ms = attempt.decision.retry_delay_ms;
            rows.push_back(row);
        }
        pg_call([&] { record_attempts(extension_, rows.data(), static_cast<int>(rows.size())); });
        finished_.clear();
    }

    long claim_and_send() {
        if (target_.url.empty() || stopping_) return -1;
        const std::size_t slots = free_slots();
        if (slots == 0) return -1;
        const int limit = static_cast<int>(std::min<std::size_t>(slots, setting_batch_size));
        std::vector<int64> ids;
        ids.reserve(in_flight_.size());
        for (const auto &entry : in_flight_) ids.push_back(entry.second.outbox_id);
        std::vector<const char *> bookings;
        bookings.reserve(busy_bookings_.size());
        for (const std::string &booking : busy_bookings_) bookings.push_back(booking.c_str());

        // A quarter of all claimed slots go to the newest due events. Slots
        // free one or two at a time while a backlog drains, so the quarter is
        // kept as a running credit rather than rounded per claim.
        newest_lane_credit_ += limit / 4.0;
        const int newest = static_cast<int>(newest_lane_credit_);
        newest_lane_credit_ -= newest;
        ClaimBatch batch{0, nullptr};
        pg_call([&] {
            batch =
                claim_due_events(extension_, ids.data(), static_cast<int>(ids.size()),
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
            driver_.submit(build_webhook_request(
                target_, ++last_tag_, event.event_id,
                std::string(claimed.body, static_cast<std::size_t>(claimed.body_length)),
                unix_seconds));
            if (event.has_booking) busy_bookings_.insert(event.booking_id);
            in_flight_.emplace(last_tag_, std::move(event));
        }
        // A full batch means more may be due right away.
        if (batch.count == limit) {
            claim_wanted_ = true;
            return 0;
        }
        int64 next_due = -1;
        pg_call([&] { next_due = ms_until_next_due(extension_); });
        return next_due < 0 ? -1 : static_cast<long>(std::min<int64>(next_due, LONG_MAX));
    }

    void recover_from_error(ErrorData *error) {
        // Log what went wrong, then roll back as PostgreSQL's own loops do.
        // Attempts not yet recorded stay in finished_ and are tried again;
        // claims are only in memory, so nothing is left half-done.
        // Interrupts wait until the transaction is rolled back (an error
        // raised meanwhile resets the hold-off and ends the worker).
        pg_call([&] {
            HOLD_INTERRUPTS();
            error->elevel = LOG;
            ThrowErrorData(error);
            FreeErrorData(error);
            AbortCurrentTransaction();
            MemoryContextSwitchTo(loop_context_);
            reset_delivery_store();
            RESUME_INTERRUPTS();
        });
        claim_wanted_ = true;
    }

    // Waits for the latch, libcurl's sockets or a timeout, then lets the
    // driver act on what became ready.
    void wait_for_work(long max_wait_ms = -1) {
        long timeout = recheck_at_ms_ < 0 ? -1 : std::max<long>(0, recheck_at_ms_ - steady_ms());
        const long curl_timeout = driver_.timeout_ms();
        if (curl_timeout >= 0 && (timeout < 0 || curl_timeout < timeout)) timeout = curl_timeout;
        if (claim_wanted_ && free_slots() > 0 && !target_.url.empty() && !stopping_) timeout = 0;
        if (!finished_.empty())
            timeout = std::min<long>(timeout < 0 ? kRecheckMs : timeout, kRecheckMs);
        const long retention_in = std::max<long>(0, retention_due_at_ms_ - steady_ms());
        if (!stopping_ && (timeout < 0 || retention_in < timeout)) timeout = retention_in;
        if (max_wait_ms >= 0 && (timeout < 0 || max_wait_ms < timeout)) timeout = max_wait_ms;

        const std::vector<HttpDriver::SocketWatch> watches = driver_.socket_watches();
        constexpr int kMaxEvents = 64;
        WaitEvent events[kMaxEvents];
        int ready = 0;
        pg_call([&] {
            WaitEventSet *set = create_wait_event_set(2 + static_cast<int>(watches.size()));
            AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, nullptr);
            AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, nullptr, nullptr);
            for (const HttpDriver::SocketWatch &watch : watches) {
                uint32 wanted = (watch.want_read ? WL_SOCKET_READABLE : 0) |
                                (watch.want_write ? WL_SOCKET_WRITEABLE : 0);
                if (wanted != 0) AddWaitEventToSet(set, wanted, watch.fd, nullptr, nullptr);
            }
            ready = WaitEventSetWait(set, timeout, events, kMaxEvents, PG_WAIT_EXTENSION);
            FreeWaitEventSet(set);
        });
        bool socket_ready = false;
        for (int i = 0; i < ready; ++i) {
            if (events[i].events & WL_LATCH_SET) {
                pg_call([] {
                    ResetLatch(MyLatch);
                    CHECK_FOR_INTERRUPTS();
                });
                claim_wanted_ = true;
                continue;
            }
            if (events[i].events & (WL_SOCKET_READABLE | WL_SOCKET_WRITEABLE)) {
                socket_ready = true;
                driver_.on_socket_ready(events[i].fd, (events[i].events & WL_SOCKET_READABLE) != 0,
                                        (events[i].events & WL_SOCKET_WRITEABLE) != 0);
            }
        }
        // libcurl's timers (timeouts, new transfers) fire when due, however
        // the wait ended.
        if (!socket_ready || driver_.timeout_ms() == 0) driver_.on_timeout();
    }

    static long steady_ms() {
        return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
    }

    MemoryContext loop_context_ = nullptr;
    HttpDriver driver_;
    WebhookTarget target_;
    BackoffPolicy policy_;
    ExtensionInfo extension_;
    std::mt19937_64 rng_;
    std::unordered_map<std::uint64_t, InFlightEvent> in_flight_;  // by request tag
    std::uint64_t last_tag_ = 0;
    Oid known_extension_oid_ = InvalidOid;
    std::unordered_set<std::string> busy_bookings_;
    std::vector<FinishedAttempt> finished_;
    bool claim_wanted_ = true;
    bool receiver_failing_ = false;
    bool stopping_ = false;
    // The extension's presence is logged once at start even while paused.
    bool extension_checked_ = false;
    double newest_lane_credit_ = 0;
    long recheck_at_ms_ = -1;       // steady clock; when a pending event falls due
    long retention_due_at_ms_ = 0;  // steady clock; the first pass runs at start
    int64 retention_deleted_ = 0;
    bool paused_logged_ = false;
    bool no_extension_logged_ = false;
    std::string url_logged_;
};

void run_delivery_worker() {
    DeliveryWorker worker;
    worker.run();
}

}  // namespace

}  // namespace booking_events

void booking_events_worker_main(Datum database_oid_datum) {
    using namespace booking_events;
    const Oid database_oid = DatumGetObjectId(database_oid_datum);
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnectionByOid(database_oid, InvalidOid, 0);
    pgstat_report_appname("booking_events worker");
    // The worker runs as a superuser: its queries must resolve names in
    // pg_catalog only, never in a schema some other role can write to.
    SetConfigOption("search_path", "pg_catalog", PGC_SUSET, PGC_S_OVERRIDE);
    // The worker runs the same few statements thousands of times a second;
    // their best plan does not depend on the parameters, and planning them
    // again on every run (PostgreSQL's choice for array parameters) cost
    // the worker 15% of its CPU (bench/drain.sh with BENCH_PERF=1).
    SetConfigOption("plan_cache_mode", "force_generic_plan", PGC_SUSET, PGC_S_OVERRIDE);
    // A generic plan's cost grows with the outbox and passes jit_above_cost;
    // JIT code is not kept between executions, so every claim would compile
    // again (10 ms for a 0.3 ms query: BENCHMARKS.md, bottleneck 1).
    SetConfigOption("jit", "off", PGC_SUSET, PGC_S_OVERRIDE);
    if (!register_delivery_worker(database_oid)) {
        ereport(LOG,
                (errmsg("booking_events worker: another delivery worker is running; exiting")));
        proc_exit(0);
    }
    before_shmem_exit([](int, Datum) { unregister_delivery_worker(); }, (Datum)0);
    ereport(LOG,
            (errmsg("booking_events worker started for database \"%s\"", setting_database_name)));

    // The one boundary of this process: an error that escapes the loop's own
    // recovery ends the worker with exit code 1 and the launcher starts a new
    // one after a pause.
    PendingError pending;
    pending.raised = false;
    try {
        run_delivery_worker();
    } catch (...) {
        remember_exception(pending, std::current_exception());
    }
    if (pending.raised) raise_pending_error(pending);
    ereport(LOG, (errmsg("booking_events worker shutting down")));
    proc_exit(0);
}
