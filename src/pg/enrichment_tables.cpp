#include "pg/enrichment_tables.hpp"

#include "pg/settings.hpp"
#include "pg/version_compat.hpp"

namespace booking_events {

namespace {

Oid resolve_table_setting(const char *setting) {
    if (setting == nullptr || setting[0] == '\0') return InvalidOid;
    List *names = qualified_name_list(setting);
    return RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true);
}

}  // namespace

Oid resolve_bookings_table() { return resolve_table_setting(setting_bookings_table); }

Oid resolve_profiles_table() { return resolve_table_setting(setting_profiles_table); }

}  // namespace booking_events
