// The recorder: a second background worker of the delivery worker's
// database that writes the attempts the worker hands over while a backlog
// drains (recorder_channel.hpp, recorder_link.hpp), many in one transaction,
// so that recording runs on the other core. It decides nothing: every claim,
// the per-booking order, the rate limits and the breaker stay with the
// worker, which keeps each handed-over attempt on its books until the
// recorder says it is committed.
//
// It stops on an error (the worker then takes back and records what it
// held; the launcher starts a new recorder after a pause), on SIGTERM, and
// when a reload turns booking_events.recorder off.
#include <string>
#include <vector>

#include "pg/boundary.hpp"
#include "pg/process_entry.hpp"
#include "pg/delivery_store.hpp"
#include "pg/endpoint_store.hpp"
#include "pg/outcome_recording.hpp"
#include "pg/recorder_channel.hpp"
#include "pg/settings.hpp"
#include "pg/worker_entry.hpp"
#include "pg/worker_session.hpp"

namespace booking_events {

namespace {

// One statement records at most this many attempts.
constexpr std::size_t kMaxOutcomesPerTransaction = 1000;
constexpr int kStatementTimeoutMs = 30000;
constexpr int kStopStatementTimeoutMs = 1000;
// While outcomes of a stopped recorder are still in the ring, the worker is
// about to take them back; look again after this long.
constexpr long kWaitForEmptyRingMs = 100;

enum class RecorderEnd { Stopped, Failed };

class Recorder {
  public:
    RecorderEnd run() {
        // A recorder started while the setting is already off stops at once.
        while (!ShutdownRequestPending && setting_recorder) {
            if (ConfigReloadPending) {
                ConfigReloadPending = false;
                pg_call([] { ProcessConfigFile(PGC_SIGHUP); });
                // Before anything else: an idle recorder would otherwise go
                // on to wait for a latch nobody sets (TAP 066, phase 5).
                if (!setting_recorder) break;
            }
            bool accepting = false;
            pg_call([&] { accepting = start_accepting_when_empty(); });
            if (accepting && ring_.written() != ring_.committed()) {
                if (!record_available(kStatementTimeoutMs)) return RecorderEnd::Failed;
                continue;
            }
            pg_call([&] {
                (void)WaitLatch(MyLatch,
                                WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | (accepting ? 0 : WL_TIMEOUT),
                                kWaitForEmptyRingMs, PG_WAIT_EXTENSION);
                ResetLatch(MyLatch);
                CHECK_FOR_INTERRUPTS();
            });
        }
        // What was handed over already is recorded now if that is quick;
        // the worker takes back whatever is left.
        bool accepting = false;
        pg_call([&] { accepting = start_accepting_when_empty(); });
        if (accepting && ring_.written() != ring_.committed())
            (void)record_available(kStopStatementTimeoutMs);
        pg_call([] { stop_accepting(); });
        return RecorderEnd::Stopped;
    }

  private:
    // One transaction for every outcome published so far (up to the
    // statement's limit); false after an error, which it has logged.
    bool record_available(int timeout_ms) {
        std::uint64_t end = 0;
        std::vector<RecordedOutcome> outcomes =
            ring_.read(ring_.committed(), kMaxOutcomesPerTransaction, &end);
        try {
            ExtensionInfo extension;
            bool extension_found = false;
            bool schema_has_endpoints = false;
            pg_call([&] {
                extension_found = begin_worker_transaction("booking_events: recording attempts",
                                                           timeout_ms, &extension);
                if (extension_found) schema_has_endpoints = schema_has_deliveries(extension);
            });
            // An outcome of a dropped outbox has nowhere to go (the worker
            // forgot it too); one of another database's outbox cannot occur.
            std::vector<RecordedOutcome> current;
            for (RecordedOutcome &outcome : outcomes)
                if (extension_found && outcome.extension_oid == extension.extension_oid)
                    current.push_back(std::move(outcome));
            record_outcomes(extension, schema_has_endpoints, current);
            pg_call([&] {
                commit_worker_transaction();
                // At once, before anything can raise an error: the worker
                // must never take back what is committed.
                outcomes_committed(end, current.size());
                end_worker_transaction();
            });
            return true;
        } catch (const PgError &error) {
            give_back(error.data(), outcomes.size());
            return false;
        }
    }

    // Logs why (before the rollback frees the error), rolls back and stops
    // accepting: the worker takes the outcomes back and records them itself.
    static void give_back(ErrorData *error, std::size_t count) {
        const unsigned long long outcomes = count;
        pg_call([&] {
            HOLD_INTERRUPTS();
            error->elevel = LOG;
            if (error->detail == nullptr)
                error->detail = psprintf(
                    "The recorder stops; the delivery worker records these %llu attempts "
                    "itself, and a new recorder starts after a pause.",
                    outcomes);
            ThrowErrorData(error);
            FreeErrorData(error);
        });
        pg_call([] {
            AbortCurrentTransaction();
            leave_database_work();
            reset_delivery_store();
            reset_endpoint_store();
            stop_accepting();
            RESUME_INTERRUPTS();
        });
    }

    OutcomeRing ring_ = outcome_ring();
};

}  // namespace

}  // namespace booking_events

void booking_events_recorder_main(Datum database_oid_datum) {
    using namespace booking_events;
    enter_database_process(
        DatumGetObjectId(database_oid_datum), "recorder", [](Oid) { return register_recorder(); },
        "recorder", [](int, Datum) { unregister_recorder(); });
    RecorderEnd end = RecorderEnd::Failed;
    run_at_process_boundary([&] {
        Recorder recorder;
        end = recorder.run();
    });
    ereport(LOG, (errmsg("booking_events recorder shutting down")));
    // Exit code 1 after an error: the launcher starts a new one after a pause.
    proc_exit(end == RecorderEnd::Failed ? 1 : 0);
}
