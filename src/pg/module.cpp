// Module entry: settings everywhere; shared memory and the workers only when
// loaded through shared_preload_libraries. Without preloading the extension
// still installs and queues events; nothing delivers them.
#include "pg/boundary.hpp"
#include "pg/drop_guard.hpp"
#include "pg/log_redaction.hpp"
#include "pg/pending_notifications.hpp"
#include "pg/settings.hpp"
#include "pg/shared_state.hpp"
#include "pg/worker_entry.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);

PG_FUNCTION_INFO_V1(booking_events_wake_worker);
Datum booking_events_wake_worker(PG_FUNCTION_ARGS);
}

void _PG_init(void) {
    booking_events::install_log_redaction();
    booking_events::define_settings();
    booking_events::install_notification_callbacks();
    booking_events::install_drop_guard();
    if (!process_shared_preload_libraries_in_progress) return;
    booking_events::install_commit_prepared_hook();
    booking_events::install_shared_state_hooks();
    booking_events::register_launcher();
}

Datum booking_events_wake_worker(PG_FUNCTION_ARGS) {
    booking_events::wake_worker_on_commit();
    PG_RETURN_VOID();
}
