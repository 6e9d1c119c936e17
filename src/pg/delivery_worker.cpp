// The delivery worker: drains the outbox of one database to the webhook.
//
// One loop, one process. It waits on its latch and libcurl's sockets at once
// (worker_wait.cpp), so new events, reloads and HTTP progress all wake it and
// an idle worker uses no CPU. Each pass claims due events for the free
// request slots in one short transaction, which also records the attempts
// that finished once they have gathered (core/record_gathering.hpp). A
// failed transaction is retried with a growing delay and logged once per
// change (README: The worker under errors).
#include <chrono>
#include <cinttypes>
#include <climits>
#include <random>
#include <string>
#include <vector>

#include "core/delivery_policy.hpp"
#include "core/error_backoff.hpp"
#include "core/http_driver.hpp"
#include "core/state_change_log.hpp"
#include "core/transaction_pacing.hpp"
#include "pg/boundary.hpp"
#include "pg/database_identity.hpp"
#include "pg/delivery_ledger.hpp"
#include "pg/delivery_store.hpp"
#include "pg/endpoint_store.hpp"
#include "pg/recorder_link.hpp"
#include "pg/settings.hpp"
#include "pg/shared_state.hpp"
#include "pg/version.hpp"
#include "pg/worker_log.hpp"
#include "pg/worker_entry.hpp"
#include "pg/worker_idle_look.hpp"
#include "pg/worker_session.hpp"
#include "pg/worker_wait.hpp"
#include "pg/worker_endpoints.hpp"
#include "pg/worker_surroundings.hpp"

namespace booking_events {

namespace {

// The next look when nothing can wake the worker (no extension yet).
constexpr long kRecheckMs = 5000;
// After a failed transaction: the first retry within a quarter second, then
// doubling up to half a minute.
constexpr BackoffPolicy kErrorBackoff{250, 30000};
// Delivery failing / succeeding again: at most one line per this interval.
constexpr std::int64_t kDeliveryStateLogIntervalMs = 10000;
// No statement of the worker runs longer (a claim takes milliseconds).
constexpr int kStatementTimeoutMs = 30000;
constexpr int kStopStatementTimeoutMs = 1000;
// Retention runs at most this often, in chunks of this many rows each.
constexpr long kRetentionIntervalMs = 3600 * 1000;
constexpr int kRetentionChunk = 5000;
constexpr long kRetentionRetryMs = 60 * 1000;
// Longest wait for requests in flight when the worker is asked to stop.
constexpr long kShutdownGraceMs = 3000;
// How often a worker waiting for the recorder looks whether it still runs.
constexpr long kRecorderLookMs = 1000;

class DeliveryWorker {
  public:
    DeliveryWorker()
        : rng_(std::random_device{}()),
          error_backoff_(kErrorBackoff),
          delivery_state_(kDeliveryStateLogIntervalMs) {
        // What a loop pass allocates outside its transactions (the wait's
        // event set, say) is freed with the pass, as pg_cron's loop does.
        pg_call([&] {
            loop_context_ = AllocSetContextCreate(TopMemoryContext, "booking_events worker loop",
                                                  ALLOCSET_DEFAULT_SIZES);
        });
        apply_settings();
    }

    void run() {
        while (!ShutdownRequestPending && !handed_over()) {
            pg_call([&] {
                MemoryContextSwitchTo(loop_context_);
                MemoryContextReset(loop_context_);
            });
            if (ConfigReloadPending) {
                ConfigReloadPending = false;
                pg_call([] { ProcessConfigFile(PGC_SIGHUP); });
                apply_settings();
                claim_wanted_ = true;
                surroundings_.look_soon();
            }
            pg_call([&] { note_worker_loop(!claim_wanted_); });
            idle_look_.take_requests();
            collect_results();
            exchange_with_recorder();
            // Deliveries failing and succeeding again: one line per change of
            // state, at most one per interval, however the receiver flaps.
            if (auto report = delivery_state_.due(steady_ms()))
                log_delivery_state(*report, last_delivery_error_);
            if (recheck_at_ms_ >= 0 && steady_ms() >= recheck_at_ms_) {
                // Due once: if no transaction runs now (delivery paused), the
                // wait must not keep returning at once.
                claim_wanted_ = true;
                recheck_at_ms_ = -1;
            }
            const bool wanted = ledger_.record_due(record_at_once(), steady_ms()) ||
                                claim_worth_a_transaction() ||
                                (claim_wanted_ && !extension_checked_);
            if (wanted && steady_ms() >= retry_after_error_at_ms_ &&
                pacing_.wait_us(steady_us(), answers_waiting()) == 0) {
                pacing_.started(steady_us());
                answers_since_transaction_ = 0;
                extension_checked_ = true;
                const long wait_ms = run_transaction();
                recheck_at_ms_ = wait_ms < 0 ? -1 : steady_ms() + wait_ms;
            }
            if (steady_ms() >= retention_due_at_ms_ && !error_backoff_.failing())
                run_retention_chunk();
            wait_for_work();
        }
        finish_in_flight_before_exit();
    }

    // The session settings changed under the worker (ALTER DATABASE ... SET)
    // and nothing it knows is left unrecorded: a fresh worker, which reads
    // them at connection start, takes over.
    bool handed_over() const {
        return hand_over_ && ledger_.in_flight() == 0 && !ledger_.has_unrecorded() &&
               !ledger_.awaiting_recorder();
    }

  private:
    // On SIGTERM (server shutdown, pg_terminate_backend) the requests in
    // flight get a moment to finish and be recorded, so that a routine stop
    // does not send them all again after the restart.
    void finish_in_flight_before_exit() {
        stopping_ = true;
        const long deadline =
            steady_ms() + std::min<long>(setting_request_timeout_ms, kShutdownGraceMs);
        while ((ledger_.in_flight() > 0 || ledger_.awaiting_recorder()) && steady_ms() < deadline) {
            wait_for_work(deadline - steady_ms());
            collect_results();
            exchange_with_recorder();
        }
        // Still held by a slow recorder: it records them, or they are sent again.
        if (ledger_.may_record_itself()) run_transaction();
    }

    // Committed outcomes leave the books; during a backlog new ones go to the recorder.
    void exchange_with_recorder() {
        if (recorder_.exchange(ledger_, known_extension_oid_, stopping_ || hand_over_, steady_ms()))
            claim_wanted_ = true;
    }

    // Answers gathered for a later record are recorded at once on the way out.
    bool record_at_once() const { return stopping_ || hand_over_; }

    // While delivery is paused, or nothing can be sent, a commit only needs
    // noting: no transaction is opened until there is somewhere to send to.
    bool claim_worth_a_transaction() const {
        return claim_wanted_ && free_slots() > 0 && !setting_paused &&
               (endpoints_.worth_a_look() || idle_look_.due(steady_ms()));
    }

    std::size_t free_slots() const {
        // Attempts the recorder has no room for: nothing new until it catches up.
        if (ledger_.has_unrecorded() && ledger_.awaiting_recorder()) return 0;
        const std::size_t limit = static_cast<std::size_t>(setting_max_concurrency);
        return ledger_.in_flight() >= limit ? 0 : limit - ledger_.in_flight();
    }

    void apply_settings() {
        const std::string default_url = setting_webhook_url ? setting_webhook_url : "";
        endpoints_.settings_changed();
        policy_.base_ms = setting_backoff_base_ms;
        policy_.max_ms = setting_backoff_max_ms;
        HttpDriverOptions options;
        options.ca_file = setting_ca_file ? setting_ca_file : "";
        options.user_agent = std::string("booking_events/") + kExtensionVersion;
        options.kept_connections = setting_max_concurrency;
        driver_.set_options(options);
        pacing_.set_request_slots(setting_max_concurrency);
        target_log_.on_settings(default_url, setting_paused);
    }

    void collect_results() {
        std::vector<EndpointNotice> notices;
        for (const AttemptDecision &decision : ledger_.collect(
                 driver_, setting_max_attempts, policy_, rng_, endpoints_, steady_ms(), &notices)) {
            const bool failed = decision.step != NextStep::Delivered;
            if (failed) last_delivery_error_ = decision.error;
            if (auto report = delivery_state_.observe(failed, steady_ms()))
                log_delivery_state(*report, last_delivery_error_);
            // The booking's next event may be due now.
            claim_wanted_ = true;
            ++answers_since_transaction_;
            endpoints_.results_arrived();
        }
        log_endpoint_notices(notices);
    }

    // Records finished attempts and claims new events; returns how long the
    // wait may be before a pending event falls due (-1: until woken).
    long run_transaction() {
        try {
            const long wait_ms = transaction_body();
            // Recorded for good only once committed: a failed commit leaves
            // them to be recorded on the next try, not sent again.
            ledger_.confirm_recorded();
            if (sweep_due_) sweep_removed_endpoints();
            log_transaction_recovery(error_backoff_.on_success(steady_ms()));
            retry_after_error_at_ms_ = 0;
            return wait_ms;
        } catch (const PgError &error) {
            return recover_from_error(error.data());
        }
    }

    long transaction_body() {
        const bool recording = ledger_.record_due(record_at_once(), steady_ms());
        clear_wake_request_before_snapshot();
        idle_look_.transaction_started(steady_ms());
        const bool extension_found = begin_transaction("booking_events: delivering");
        long wait_ms = -1;
        if (!extension_found) {
            // Results of requests sent before a DROP EXTENSION have nowhere to go.
            ledger_.forget_everything();
            known_extension_oid_ = InvalidOid;
            log_worker_line_once(
                no_extension_logged_,
                "extension \"booking_events\" is not created in this database; waiting");
            wait_ms = kRecheckMs;
        } else {
            no_extension_logged_ = false;
            forget_dropped_extension();
            if (surroundings_.look_around(error_backoff_.failing(), steady_ms())) hand_over_ = true;
            pg_call([] { refuse_read_only_transaction(); });
            // A database not yet updated to 1.2.0 keeps the 1.1.0 statements and `default` alone.
            pg_call([&] { schema_has_endpoints_ = schema_has_deliveries(extension_); });
            endpoints_.refresh(extension_, schema_has_endpoints_, steady_ms());
            if (recording) ledger_.record(extension_, schema_has_endpoints_);
            if (schema_has_endpoints_) {
                endpoints_.write_state_if_due(extension_, steady_ms());
                sweep_due_ = endpoints_.removed_sweep_due(steady_ms());
            }
            wait_ms = claim_and_send();
        }
        commit_transaction();
        return wait_ms;
    }

    // In a transaction of its own: no second id-ordered lock run after the record's.
    void sweep_removed_endpoints() {
        sweep_due_ = false;
        if (begin_transaction("booking_events: ending removed endpoints' deliveries"))
            endpoints_.end_removed(extension_, steady_ms());
        commit_transaction();
    }

    // Each unit of the worker's bookkeeping is one short transaction with SPI
    // connected and the extension looked up; returns whether it exists.
    bool begin_transaction(const char *activity) {
        bool extension_found = false;
        // While stopping, the last results get a short while to be recorded.
        const int timeout_ms = stopping_ ? kStopStatementTimeoutMs : kStatementTimeoutMs;
        pg_call(
            [&] { extension_found = begin_worker_transaction(activity, timeout_ms, &extension_); });
        return extension_found;
    }

    void commit_transaction() {
        pg_call([] {
            commit_worker_transaction();
            end_worker_transaction();
        });
    }

    // One chunk per loop pass, between delivery transactions: a large backlog
    // of old rows never holds long locks or starves delivery.
    void run_retention_chunk() {
        const int days = setting_log_retention_days;
        int64 deleted = 0;
        try {
            if (begin_transaction("booking_events: deleting expired rows") && days > 0)
                pg_call([&] {
                    deleted = schema_has_deliveries(extension_)
                                  ? delete_expired_events_chunk(extension_, days, kRetentionChunk)
                                  : delete_expired_chunk(extension_, days, kRetentionChunk);
                });
            commit_transaction();
        } catch (const PgError &error) {
            recover_from_error(error.data());
            // Not again on every pass: delivery goes first.
            retention_due_at_ms_ = steady_ms() + kRetentionRetryMs;
            return;
        }
        retention_deleted_ += deleted;
        if (deleted >= kRetentionChunk) return;  // more to do on the next pass
        if (retention_deleted_ > 0) log_retention_deleted(retention_deleted_, days);
        retention_deleted_ = 0;
        retention_due_at_ms_ = steady_ms() + kRetentionIntervalMs;
    }

    // After DROP EXTENSION and CREATE EXTENSION the outbox is another table:
    // nothing known about the old one applies. Requests still in flight
    // finish unrecorded (their tags are no longer known).
    void forget_dropped_extension() {
        if (extension_.extension_oid == known_extension_oid_) return;
        if (known_extension_oid_ != InvalidOid) ledger_.forget_everything();
        known_extension_oid_ = extension_.extension_oid;
    }

    void clear_wake_request_before_snapshot() {
        claim_wanted_ = false;
        pg_call([] { clear_wake_request(); });
    }

    long claim_and_send() {
        if (setting_paused || stopping_ || hand_over_) return -1;
        if (holding_copied_events(extension_)) return -1;
        std::vector<EndpointNotice> notices;
        const ClaimRound round =
            ledger_.claim_round(extension_, schema_has_endpoints_, driver_, endpoints_.sendable(),
                                setting_max_concurrency, setting_batch_size, steady_ms(), &notices);
        log_endpoint_notices(notices);
        if (round.backlog) recorder_.backlog_seen(steady_ms());
        if (round.more_due) {
            claim_wanted_ = true;
            pacing_.continue_at_once();
            return 0;
        }
        int64 next_due = -1;
        pg_call([&] { next_due = ms_until_next_attempt(extension_, schema_has_endpoints_); });
        if (round.wait_ms >= 0)
            next_due = next_due < 0 ? round.wait_ms : std::min(next_due, round.wait_ms);
        return next_due < 0 ? -1 : static_cast<long>(std::min<int64>(next_due, LONG_MAX));
    }

    // Rolls back as PostgreSQL's own loops do, then waits a growing delay
    // before the next try; the error is logged when it is new. Attempts not
    // yet recorded stay in the ledger and are recorded on a later try; claims
    // are only in memory, so nothing is left half-done. Returns the delay.
    long recover_from_error(ErrorData *error) {
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        const std::string key = std::to_string(error->sqlerrcode) + " " +
                                (error->message != nullptr ? error->message : "");
        const ErrorReaction reaction = error_backoff_.on_error(key, unit(rng_), steady_ms());
        pg_call([] { HOLD_INTERRUPTS(); });
        log_transaction_error(error, reaction);
        pg_call([&] {
            AbortCurrentTransaction();
            MemoryContextSwitchTo(loop_context_);
            leave_database_work();
            reset_delivery_store();
            reset_endpoint_store();
            RESUME_INTERRUPTS();
        });
        ledger_.forget_recording();
        claim_wanted_ = true;
        idle_look_.transaction_failed();
        retry_after_error_at_ms_ = steady_ms() + static_cast<long>(reaction.retry_in_ms);
        return static_cast<long>(reaction.retry_in_ms);
    }

    // Waits for the latch, libcurl's sockets or whichever timer is due first.
    void wait_for_work(long max_wait_ms = -1) {
        long timeout = recheck_at_ms_ < 0 ? -1 : std::max<long>(0, recheck_at_ms_ - steady_ms());
        const long curl_timeout = driver_.timeout_ms();
        if (curl_timeout >= 0 && (timeout < 0 || curl_timeout < timeout)) timeout = curl_timeout;
        const bool backing_off = steady_ms() < retry_after_error_at_ms_;
        if (claim_wanted_ && free_slots() > 0 && !setting_paused && !stopping_ && !backing_off) {
            // Nowhere to send: the commit is looked at when the idle look is due.
            const long look_in =
                std::max(pacing_.wait_ms(steady_us(), answers_waiting()),
                         endpoints_.worth_a_look() ? 0 : idle_look_.due_in(steady_ms()));
            if (timeout < 0 || look_in < timeout) timeout = look_in;
        }
        if (ledger_.may_record_itself() && !backing_off) {
            const long pace_in =
                std::max(pacing_.wait_ms(steady_us(), answers_waiting()),
                         static_cast<long>(ledger_.record_wait_ms(record_at_once(), steady_ms())));
            timeout = std::min<long>(timeout < 0 ? kRecheckMs : timeout,
                                     pace_in > 0 ? pace_in : kRecheckMs);
        }
        if (backing_off) {
            const long retry_in = retry_after_error_at_ms_ - steady_ms();
            if (timeout < 0 || retry_in < timeout) timeout = retry_in;
        }
        const long retention_in = std::max<long>(0, retention_due_at_ms_ - steady_ms());
        if (!stopping_ && !backing_off && (timeout < 0 || retention_in < timeout))
            timeout = retention_in;
        // A pending change of the delivery state is logged when it is due.
        if (delivery_state_.change_pending())
            timeout = std::min<long>(timeout < 0 ? kDeliveryStateLogIntervalMs : timeout,
                                     kDeliveryStateLogIntervalMs);
        // The recorder wakes the worker; a look now and then covers one that hangs.
        if (ledger_.awaiting_recorder())
            timeout = std::min<long>(timeout < 0 ? kRecorderLookMs : timeout, kRecorderLookMs);
        if (max_wait_ms >= 0 && (timeout < 0 || max_wait_ms < timeout)) timeout = max_wait_ms;
        if (wait_for_latch_or_http(driver_, timeout)) claim_wanted_ = true;
    }

    // Answers since the last transaction started (pacing): the slots they
    // freed. Those gathered earlier for a later record do not count again.
    std::size_t answers_waiting() const { return answers_since_transaction_; }

    static long steady_ms() { return static_cast<long>(steady_us() / 1000); }
    static std::int64_t steady_us() {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

    HttpDriver driver_;
    WorkerEndpoints endpoints_;
    IdleLook idle_look_;
    TransactionPacing pacing_{kGatherWindowUs};
    bool schema_has_endpoints_ = false;
    BackoffPolicy policy_;
    ExtensionInfo extension_;
    std::mt19937_64 rng_;
    MemoryContext loop_context_ = nullptr;
    DeliveryLedger ledger_;
    RecorderLink recorder_;
    std::size_t answers_since_transaction_ = 0;
    Oid known_extension_oid_ = InvalidOid;
    bool claim_wanted_ = true;
    bool sweep_due_ = false;
    ErrorBackoff error_backoff_;
    long retry_after_error_at_ms_ = 0;  // steady clock; no transaction before
    StateChangeLog delivery_state_;
    std::string last_delivery_error_;
    WorkerSurroundings surroundings_;
    bool hand_over_ = false;
    bool stopping_ = false;
    // The extension's presence is logged once at start even while paused.
    bool extension_checked_ = false;
    long recheck_at_ms_ = -1;       // steady clock; when a pending event falls due
    long retention_due_at_ms_ = 0;  // steady clock; the first pass runs at start
    int64 retention_deleted_ = 0;
    DeliveryTargetLog target_log_;
    bool no_extension_logged_ = false;
};

}  // namespace

void run_delivery_worker() {
    DeliveryWorker worker;
    worker.run();
}

}  // namespace booking_events
