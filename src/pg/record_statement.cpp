#include "pg/record_statement.hpp"

#include "pg/postgres_headers.hpp"
#include "pg/settle_statement.hpp"

namespace booking_events {

// A result whose event is gone (retention, DROP/CREATE EXTENSION) or whose
// delivery is no longer pending (endpoint removed, a rival worker) changes
// nothing; its log row is written only while the event exists. Whether a
// delivery is its event's only one is asked once, as it is updated.
const char *record_query(const char *deliveries, const char *outbox, const char *logs) {
    return psprintf(
        "WITH r AS ("
        "  SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::int4[], "
        "                       $6::text[], $7::text[], $8::int4[], $9::text[], $10::float8[], "
        "                       $11::int8[], $12::int4[]) "
        "    AS r(outbox_id, endpoint, event_id, event_type, attempt, delivery_status, "
        "         log_status, http_status, error, response_time_ms, retry_delay_ms, "
        "         outside_budget)"
        "), known AS ("
        "  SELECT r.* FROM r WHERE EXISTS (SELECT 1 FROM %s o "
        "                  WHERE o.id = r.outbox_id AND o.event_id = r.event_id::uuid)"
        "), updated AS ("
        "  UPDATE %s d SET "
        "    attempts = d.attempts + 1 - k.outside_budget, "
        "    status = k.delivery_status, "
        "    delivered_at = CASE WHEN k.delivery_status = 'delivered' THEN now() "
        "                        ELSE d.delivered_at END, "
        "    next_attempt_at = CASE WHEN k.delivery_status = 'pending' "
        "        THEN now() + k.retry_delay_ms * interval '1 millisecond' "
        "        ELSE d.next_attempt_at END, "
        "    last_http_status = k.http_status, "
        "    last_error = k.error "
        "  FROM known k WHERE d.outbox_id = k.outbox_id AND d.endpoint = k.endpoint "
        "    AND d.status = 'pending' "
        "  RETURNING %s, %s AS alone"
        "), logged AS ("
        "  INSERT INTO %s (event_id, event_type, attempt, status, http_status, "
        "                  response_time_ms, error, endpoint) "
        "  SELECT k.event_id::uuid, k.event_type, k.attempt, k.log_status, k.http_status, "
        "         k.response_time_ms, k.error, k.endpoint FROM known k"
        ")%s SELECT u.outbox_id FROM updated u WHERE NOT u.alone",
        outbox, deliveries, settled_delivery_columns("d"), lone_delivery_flag("d", deliveries),
        logs, lone_settle_cte("updated", outbox));
}

// In id order (the lock is taken above the sort), as
// booking_events_settle_events takes it: two settlers of the same events
// cannot deadlock on them.
const char *lock_events_query(const char *outbox) {
    return psprintf("SELECT o.id FROM %s o WHERE o.id = ANY ($1) ORDER BY o.id FOR NO KEY UPDATE",
                    outbox);
}

// Every delivery of those events is `changed`: settle_ctes then reads no
// other, and the summary is booking_events_settle_events' own.
const char *settle_events_query(const char *deliveries, const char *outbox) {
    return psprintf(
        "WITH changed AS (SELECT %s FROM %s d WHERE d.outbox_id = ANY ($1))%s "
        "SELECT count(*) FROM settled",
        settled_delivery_columns("d"), deliveries, settle_ctes("changed", deliveries, outbox));
}

}  // namespace booking_events
