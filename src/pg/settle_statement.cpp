#include "pg/settle_statement.hpp"

#include "pg/postgres_headers.hpp"

namespace booking_events {

const char *settled_delivery_columns(const char *alias) {
    const char *a = alias;
    return psprintf(
        "%s.outbox_id, %s.endpoint, %s.status, %s.attempts, %s.manual_retries, "
        "%s.attempts_before_retry, %s.next_attempt_at, %s.delivered_at, %s.last_http_status, "
        "%s.last_error",
        a, a, a, a, a, a, a, a, a, a);
}

namespace {

// How an outbox row takes its summary `s` (one row per event).
const char *settled_assignments() {
    return "status = s.status, attempts = s.attempts, manual_retries = s.manual_retries, "
           "attempts_before_retry = s.attempts_before_retry, "
           "next_attempt_at = coalesce(s.next_attempt_at, o.next_attempt_at), "
           "delivered_at = CASE WHEN s.status = 'delivered' THEN s.delivered_at END, "
           "last_http_status = s.last_http_status, last_error = s.last_error";
}

}  // namespace

const char *settle_ctes(const char *changed, const char *deliveries, const char *outbox) {
    // The summary is the one booking_events_settle_events computes: pending
    // while any delivery is pending, else failed if any failed, else
    // delivered; attempts add up; the schedule is the earliest pending one;
    // the last answer and error are those of the delivery furthest from done.
    // The other deliveries are probed by primary key (= ANY of an array, as
    // the function does): a semi-join's generic plan may walk the table.
    const char *changed_columns = settled_delivery_columns("c");
    const char *other_columns = settled_delivery_columns("d");
    return psprintf(
        ", settle_input AS ("
        "  SELECT %s FROM %s c "
        "  UNION ALL "
        "  SELECT %s FROM %s d WHERE d.outbox_id = ANY (ARRAY(SELECT c.outbox_id FROM %s c)) "
        "    AND NOT EXISTS (SELECT 1 FROM %s c "
        "                    WHERE c.outbox_id = d.outbox_id AND c.endpoint = d.endpoint)"
        "), summary AS ("
        "  SELECT d.outbox_id, "
        "         CASE WHEN bool_or(d.status = 'pending') THEN 'pending' "
        "              WHEN bool_or(d.status = 'failed') THEN 'failed' "
        "              ELSE 'delivered' END AS status, "
        "         sum(d.attempts)::int AS attempts, "
        "         max(d.manual_retries) AS manual_retries, "
        "         sum(d.attempts_before_retry)::int AS attempts_before_retry, "
        "         min(d.next_attempt_at) FILTER (WHERE d.status = 'pending') AS next_attempt_at, "
        "         max(d.delivered_at) AS delivered_at, "
        "         (array_agg(d.last_http_status ORDER BY "
        "              CASE d.status WHEN 'failed' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, "
        "              d.endpoint))[1] AS last_http_status, "
        "         (array_agg(d.last_error ORDER BY "
        "              CASE d.status WHEN 'failed' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, "
        "              d.endpoint))[1] AS last_error "
        "  FROM settle_input d GROUP BY d.outbox_id"
        "), settled AS ("
        "  UPDATE %s o SET %s "
        "  FROM summary s WHERE o.id = s.outbox_id "
        "    AND (o.status, o.attempts, o.manual_retries, o.attempts_before_retry, "
        "         o.next_attempt_at, o.delivered_at, o.last_http_status, o.last_error) "
        "        IS DISTINCT FROM "
        "        (s.status, s.attempts, s.manual_retries, s.attempts_before_retry, "
        "         coalesce(s.next_attempt_at, o.next_attempt_at), "
        "         CASE WHEN s.status = 'delivered' THEN s.delivered_at END, "
        "         s.last_http_status, s.last_error) "
        "  RETURNING 1"
        ")",
        changed_columns, changed, other_columns, deliveries, changed, changed, outbox,
        settled_assignments());
}

const char *lone_delivery_flag(const char *alias, const char *deliveries) {
    return psprintf(
        "NOT EXISTS (SELECT 1 FROM %s x WHERE x.outbox_id = %s.outbox_id "
        "            AND x.endpoint <> %s.endpoint)",
        deliveries, alias, alias);
}

const char *lone_settle_cte(const char *changed, const char *outbox) {
    // The summary of one delivery is that delivery (each aggregate of the
    // rule over one row is its value), but for the schedule, which only a
    // pending delivery gives. No IS DISTINCT FROM guard: an attempt always
    // changes its delivery's attempts, status or schedule.
    return psprintf(
        ", settled AS ("
        "  UPDATE %s o SET %s "
        "  FROM (SELECT c.outbox_id, c.status, c.attempts, c.manual_retries, "
        "               c.attempts_before_retry, "
        "               CASE WHEN c.status = 'pending' THEN c.next_attempt_at END "
        "                 AS next_attempt_at, "
        "               c.delivered_at, c.last_http_status, c.last_error "
        "        FROM %s c WHERE c.alone) s "
        "  WHERE o.id = s.outbox_id"
        ")",
        outbox, settled_assignments(), changed);
}

}  // namespace booking_events
