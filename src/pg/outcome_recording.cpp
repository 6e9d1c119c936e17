#include "pg/outcome_recording.hpp"

#include "pg/boundary.hpp"
#include "pg/delivery_store.hpp"
#include "pg/endpoint_store.hpp"

namespace booking_events {

void record_outcomes(const ExtensionInfo &extension, bool schema_has_endpoints,
                     const std::vector<RecordedOutcome> &outcomes) {
    if (outcomes.empty()) return;
    std::vector<AttemptRow> rows;
    rows.reserve(outcomes.size());
    for (const RecordedOutcome &outcome : outcomes) {
        AttemptRow row{};
        row.outbox_id = outcome.outbox_id;
        row.endpoint = outcome.endpoint.c_str();
        row.event_id = outcome.event_id.c_str();
        row.event_type = outcome.event_type.c_str();
        row.attempt = outcome.attempt;
        row.step = static_cast<NextStep>(outcome.step);
        row.http_status = outcome.http_status;
        row.error = outcome.has_error ? outcome.error.c_str() : nullptr;
        row.response_time_ms = outcome.response_time_ms;
        row.retry_delay_ms = outcome.retry_delay_ms;
        row.outside_budget = outcome.outside_budget;
        rows.push_back(row);
    }
    pg_call([&] {
        if (schema_has_endpoints)
            record_endpoint_attempts(extension, rows.data(), static_cast<int>(rows.size()));
        else
            record_attempts(extension, rows.data(), static_cast<int>(rows.size()));
    });
}

}  // namespace booking_events
