#include "pg/identity.hpp"

namespace booking_events {

SavedIdentity enter_restricted_identity(Oid role) {
    SavedIdentity saved;
    GetUserIdAndSecContext(&saved.user, &saved.security_context);
    SetUserIdAndSecContext(role, saved.security_context | SECURITY_LOCAL_USERID_CHANGE |
                                     SECURITY_RESTRICTED_OPERATION);
    // pg_temp last: a temporary relation never shadows a name we use.
    saved.setting_nest_level = NewGUCNestLevel();
    set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
                      GUC_ACTION_SAVE, true, 0, false);
    return saved;
}

void force_generic_plans() {
    set_config_option("plan_cache_mode", "force_generic_plan", PGC_USERSET, PGC_S_SESSION,
                      GUC_ACTION_SAVE, true, 0, false);
}

void leave_identity(const SavedIdentity &saved) {
    AtEOXact_GUC(false, saved.setting_nest_level);
    SetUserIdAndSecContext(saved.user, saved.security_context);
}

}  // namespace booking_events
