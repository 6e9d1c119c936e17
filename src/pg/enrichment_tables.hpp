// The application tables named by booking_events.bookings_table and
// booking_events.profiles_table, as the trigger's enrichment and
// booking_events_replay() see them.
//
// A name resolves the same way in every session, never through the
// caller's search_path and never in pg_temp: a schema-qualified name in that
// schema; an unqualified one in the extension's schema, then in public.
// Only an ordinary or partitioned table that is not temporary is accepted:
// a view, a materialized view or a foreign table can run code of whoever
// created it, and a temporary table belongs to one session.
#pragma once

#include <string>
#include <vector>

#include "pg/postgres_headers.hpp"

namespace booking_events {

// InvalidOid when the setting is empty or names no accepted table (a name
// that is found but refused is reported with a WARNING once per
// resolution). Cached until the settings or pg_class change. May ereport
// (catalog access): call it under pg_call or from PostgreSQL code.
Oid resolve_bookings_table();
Oid resolve_profiles_table();

// The GUC check hook's part: when ALTER SYSTEM writes a name (inside a
// transaction), a relation that would be refused is an error (false, with
// the reason in GUC_check_errdetail) and a name that resolves to nothing a
// WARNING. Elsewhere (reload, server start) nothing is checked here: the
// trigger decides at its next row, the same way in every session.
bool check_enrichment_table_setting(const char *setting_name, const char *value, GucSource source);

// validate_webhook_config()'s warnings about the two settings: a name that
// resolves to no table, or to a relation that is not used. C++ side.
std::vector<std::string> enrichment_table_warnings();

}  // namespace booking_events
