// The application tables named by booking_events.bookings_table and
// booking_events.profiles_table, as the trigger's enrichment and
// booking_events_replay() see them.
#pragma once

#include "pg/postgres_headers.hpp"

namespace booking_events {

// InvalidOid when the setting is empty or names no table. May ereport
// (catalog access): call it under pg_call or from PostgreSQL code.
Oid resolve_bookings_table();
Oid resolve_profiles_table();

}  // namespace booking_events
