// Module entry: settings everywhere; shared memory and the workers only when
// loaded through shared_preload_libraries. Without preloading the extension
// still installs and queues events; nothing delivers them.
#include "pg/boundary.hpp"
#include "pg/drop_guard.hpp"
#include "pg/listen_fence.hpp"
#include "pg/log_redaction.hpp"
#include "pg/pending_notifications.hpp"
#include "pg/recorder_channel.hpp"
#include "pg/settings.hpp"
#include "pg/shared_state.hpp"
#include "pg/worker_entry.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
}

void _PG_init(void) {
    booking_events::install_log_redaction();
    booking_events::define_settings();
    booking_events::install_notification_callbacks();
    booking_events::install_drop_guard();
    if (!process_shared_preload_libraries_in_progress) return;
    booking_events::install_commit_prepared_hook();
    booking_events::install_shared_state_hooks();
    booking_events::install_listen_fence();
    booking_events::install_recorder_channel();
    booking_events::register_launcher();
}

namespace booking_events {
namespace {

// booking_events_wake_worker(): wakes the worker when the calling
// transaction commits (retry_failed_webhooks, for one, requeues events
// without writing through the trigger), and has it open a transaction even
// while it has nowhere to send: the endpoint functions and
// booking_events_adopt() call it too.
Datum wake_worker(FunctionCallInfo) {
    ask_worker_to_look_on_commit();
    return (Datum)0;
}

}  // namespace
}  // namespace booking_events

BOOKING_EVENTS_SQL_FUNCTION(booking_events_wake_worker, booking_events::wake_worker)
