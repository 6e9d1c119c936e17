#include "pg/kept_plan.hpp"

namespace booking_events {

bool kept_plan_ready(const KeptPlan &kept, Oid target) {
    return kept.plan != nullptr && !kept.stale && kept.prepared_for == target;
}

void prepare_kept_plan(KeptPlan *kept, Oid target, const char *query, int argument_count,
                       Oid *argument_types) {
    drop_kept_plan(kept);
    SPIPlanPtr plan = SPI_prepare(query, argument_count, argument_types);
    if (plan == nullptr)
        elog(ERROR, "booking_events: could not prepare \"%s\": %s", query,
             SPI_result_code_string(SPI_result));
    SPI_keepplan(plan);
    kept->plan = plan;
    kept->prepared_for = target;
    kept->stale = false;
}

void drop_kept_plan(KeptPlan *kept) {
    if (kept->plan != nullptr) SPI_freeplan(kept->plan);
    kept->plan = nullptr;
    kept->prepared_for = InvalidOid;
    kept->stale = false;
}

}  // namespace booking_events
