#include "pg/endpoint_store.hpp"

#include "pg/claim_starts.hpp"
#include "pg/record_statement.hpp"
#include "pg/spi_arrays.hpp"

namespace booking_events {

namespace {

enum Statement {
    kClaim,
    kRecord,
    kExpire,
    kEndpoints,
    kState,
    kEndRemoved,
    kNextDue,
    kRemoveOrphans,
    kHead,
    kLockEvents,
    kSettle,
    kStatementCount
};

struct EndpointPlans {
    Oid schema_oid = InvalidOid;
    SPIPlanPtr plan[kStatementCount] = {};
    BlockNumber planned_blocks = 0;  // webhook_deliveries' size when planned
};

EndpointPlans plans;

// Two lanes, as the 1.1.0 claim has (delivery_store.cpp): most of a batch
// walks the endpoint's part of the pending index in outbox order, the rest
// walks the (endpoint, next_attempt_at, outbox_id) index backwards over the
// last two seconds only, so a fresh event of another booking does not wait
// behind a backlog and the lane never walks the whole queue (its events'
// bookings mostly have earlier pending deliveries). Both are index scans
// whatever the statistics say (see worker_session.cpp), so a claim costs
// O(batch). The per-booking probe reads the (endpoint, hash of booking_id,
// outbox_id) index, as the 1.1.0 claim reads the outbox's. The outbox is
// joined LEFT: a delivery whose event was deleted (no foreign key, so a
// DBA's DELETE or TRUNCATE of the outbox leaves it) comes back with no
// event_id and is removed, rather than skipped by every claim and blocking
// its booking's later events for ever. The oldest lane starts at outbox id
// $6 (core/claim_start.hpp: 0 from the start) and says which rows are its
// own (the last column), so that a short one is known.
const char *claim_query(const char *deliveries, const char *outbox) {
    const char *filter = psprintf(
        "d.endpoint = $1 AND d.status = 'pending' AND d.next_attempt_at <= now() "
        "AND d.outbox_id <> ALL ($2) "
        "AND (d.booking_id IS NULL OR (d.booking_id <> ALL ($3) AND NOT EXISTS ("
        "  SELECT 1 FROM %s e "
        "  WHERE e.endpoint = d.endpoint "
        "    AND hashtextextended(e.booking_id, 0) = hashtextextended(d.booking_id, 0) "
        "    AND (hashtextextended(e.booking_id, 0), e.outbox_id) "
        "        < (hashtextextended(d.booking_id, 0), d.outbox_id) "
        "    AND e.booking_id = d.booking_id AND e.status = 'pending')))",
        deliveries);
    const char *columns =
        "d.outbox_id, o.event_id::text, o.event_type, d.booking_id, d.attempts, "
        "d.attempts_before_retry, o.payload::text";
    return psprintf(
        "(SELECT %s, true FROM %s d LEFT JOIN %s o ON o.id = d.outbox_id WHERE %s "
        "   AND d.outbox_id >= $6 "
        " ORDER BY d.endpoint, d.outbox_id LIMIT $4) "
        "UNION ALL "
        "(SELECT %s, false FROM %s d LEFT JOIN %s o ON o.id = d.outbox_id WHERE %s "
        "   AND d.next_attempt_at > now() - interval '2 seconds' "
        " ORDER BY d.endpoint DESC, d.next_attempt_at DESC, d.outbox_id DESC LIMIT $5)",
        columns, deliveries, outbox, filter, columns, deliveries, outbox, filter);
}

// Where the endpoint's next claim may start: its lowest pending delivery at
// or after this claim's start, in flight, blocked or backed off alike. A
// probe of the pending index that reads only what settled since that start.
const char *head_query(const char *deliveries) {
    return psprintf(
        "SELECT min(d.outbox_id) FROM %s d "
        "WHERE d.endpoint = $1 AND d.status = 'pending' AND d.outbox_id >= $2",
        deliveries);
}

// The claimed deliveries whose event is gone; checked again, so an event
// the claim's snapshot missed is never taken for gone.
const char *remove_orphans_query(const char *deliveries, const char *outbox) {
    return psprintf(
        "DELETE FROM %s d WHERE d.endpoint = $1 AND d.outbox_id = ANY ($2) "
        "  AND NOT EXISTS (SELECT 1 FROM %s o WHERE o.id = d.outbox_id)",
        deliveries, outbox);
}

// A trigger that routed an event before webhook_endpoint_remove committed
// leaves deliveries to an endpoint that no longer exists: they end as the
// removal ended the others. The endpoints with pending deliveries are found
// by skipping through the pending index (one probe per endpoint), so the
// statement costs little whatever the backlog. Returns the outbox id of
// each delivery it ended (an id may repeat): their events are settled
// after it (settle_returned_events).
const char *end_removed_query(const char *deliveries, const char *endpoints) {
    return psprintf(
        "WITH RECURSIVE pending_endpoint(name) AS ("
        "  SELECT (SELECT min(d.endpoint) FROM %s d WHERE d.status = 'pending') "
        "  UNION ALL "
        "  SELECT (SELECT min(d.endpoint) FROM %s d "
        "          WHERE d.status = 'pending' AND d.endpoint > p.name) "
        "  FROM pending_endpoint p WHERE p.name IS NOT NULL"
        "), removed AS ("
        "  SELECT p.name FROM pending_endpoint p WHERE p.name IS NOT NULL "
        "    AND NOT EXISTS (SELECT 1 FROM %s e WHERE e.name = p.name)"
        "), ended AS ("
        "  UPDATE %s d SET status = 'failed', last_error = 'endpoint removed' "
        "  FROM removed r WHERE d.endpoint = r.name AND d.status = 'pending' "
        "  RETURNING d.outbox_id"
        ") SELECT e.outbox_id FROM ended e",
        deliveries, deliveries, endpoints, deliveries);
}

// When the next delivery waiting for its time (a retry) becomes due: one
// probe of the (endpoint, next_attempt_at, outbox_id) index per endpoint.
// The outbox's next_attempt_at cannot tell: it is the earliest of its
// deliveries', which may be due already (at a paused endpoint) while
// another endpoint's retry waits.
const char *next_due_query(const char *deliveries, const char *endpoints) {
    return psprintf(
        "SELECT ceil(extract(epoch FROM min(n.due) - clock_timestamp()) * 1000)::int8 "
        "FROM %s e CROSS JOIN LATERAL ("
        "  SELECT d.next_attempt_at AS due FROM %s d "
        "  WHERE d.endpoint = e.name AND d.status = 'pending' AND d.next_attempt_at > now() "
        "  ORDER BY d.endpoint, d.next_attempt_at LIMIT 1) n",
        endpoints, deliveries);
}

const char *endpoints_query(const char *endpoints) {
    return psprintf(
        "SELECT name, url, api_key, signing_secret, paused, batch_max, max_per_second "
        "FROM %s ORDER BY name",
        endpoints);
}

const char *state_query(const char *state) {
    return psprintf(
        "INSERT INTO %s AS s (name, state, state_since, consecutive_failures, paused_until, "
        "                     last_success_at, last_failure_at, last_error) "
        "SELECT r.name, r.state, now() - r.state_age * interval '1 millisecond', r.failures, "
        "       CASE WHEN r.paused_for >= 0 THEN now() + r.paused_for * interval '1 millisecond' "
        "       END, "
        "       CASE WHEN r.success_age >= 0 "
        "            THEN now() - r.success_age * interval '1 millisecond' END, "
        "       CASE WHEN r.failure_age >= 0 "
        "            THEN now() - r.failure_age * interval '1 millisecond' END, "
        "       r.last_error "
        "FROM unnest($1::text[], $2::text[], $3::int8[], $4::int4[], $5::int8[], $6::int8[], "
        "            $7::int8[], $8::text[]) "
        "  AS r(name, state, state_age, failures, paused_for, success_age, failure_age, "
        "       last_error) "
        "ON CONFLICT (name) DO UPDATE SET state = excluded.state, "
        "  state_since = excluded.state_since, "
        "  consecutive_failures = excluded.consecutive_failures, "
        "  paused_until = excluded.paused_until, "
        "  last_success_at = coalesce(excluded.last_success_at, s.last_success_at), "
        "  last_failure_at = coalesce(excluded.last_failure_at, s.last_failure_at), "
        "  last_error = coalesce(excluded.last_error, s.last_error)",
        state);
}

SPIPlanPtr plan_for(const ExtensionInfo &extension, Statement statement) {
    const bool outgrew = statement == kClaim &&
                         table_outgrew_plans(analyze_if_outgrown(extension, "webhook_deliveries"),
                                             plans.planned_blocks);
    if (plans.schema_oid != extension.schema_oid || plans.plan[kClaim] == nullptr || outgrew) {
        reset_endpoint_store();
        plans.planned_blocks = extension_table_blocks(extension, "webhook_deliveries");
        const char *deliveries = qualified_extension_object(extension, "webhook_deliveries");
        const char *outbox = qualified_extension_object(extension, "webhook_outbox");
        const char *logs = qualified_extension_object(extension, "webhook_logs");
        Oid claim_types[6] = {TEXTOID, INT8ARRAYOID, TEXTARRAYOID, INT4OID, INT4OID, INT8OID};
        plans.plan[kClaim] = prepare_worker_plan(claim_query(deliveries, outbox), 6, claim_types);
        Oid head_types[2] = {TEXTOID, INT8OID};
        plans.plan[kHead] = prepare_worker_plan(head_query(deliveries), 2, head_types);
        Oid record_types[12] = {INT8ARRAYOID, TEXTARRAYOID,   TEXTARRAYOID, TEXTARRAYOID,
                                INT4ARRAYOID, TEXTARRAYOID,   TEXTARRAYOID, INT4ARRAYOID,
                                TEXTARRAYOID, FLOAT8ARRAYOID, INT8ARRAYOID, INT4ARRAYOID};
        plans.plan[kRecord] =
            prepare_worker_plan(record_query(deliveries, outbox, logs), 12, record_types);
        Oid settle_types[1] = {INT8ARRAYOID};
        plans.plan[kLockEvents] = prepare_worker_plan(lock_events_query(outbox), 1, settle_types);
        plans.plan[kSettle] =
            prepare_worker_plan(settle_events_query(deliveries, outbox), 1, settle_types);
        Oid expire_types[2] = {INT4OID, INT4OID};
        plans.plan[kExpire] =
            prepare_worker_plan(expired_rows_query(outbox, logs, deliveries), 2, expire_types);
        const char *endpoints = qualified_extension_object(extension, "webhook_endpoints");
        plans.plan[kEndpoints] = prepare_worker_plan(endpoints_query(endpoints), 0, nullptr);
        plans.plan[kEndRemoved] =
            prepare_worker_plan(end_removed_query(deliveries, endpoints), 0, nullptr);
        plans.plan[kNextDue] =
            prepare_worker_plan(next_due_query(deliveries, endpoints), 0, nullptr);
        Oid orphan_types[2] = {TEXTOID, INT8ARRAYOID};
        plans.plan[kRemoveOrphans] =
            prepare_worker_plan(remove_orphans_query(deliveries, outbox), 2, orphan_types);
        Oid state_types[8] = {TEXTARRAYOID, TEXTARRAYOID, INT8ARRAYOID, INT4ARRAYOID,
                              INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, TEXTARRAYOID};
        plans.plan[kState] = prepare_worker_plan(
            state_query(qualified_extension_object(extension, "webhook_endpoint_state")), 8,
            state_types);
        plans.schema_oid = extension.schema_oid;
    }
    return plans.plan[statement];
}

// The outbox ids of the claimed rows that have no event (column 2, the
// event_id, is NULL only there). Plain palloc'd data: the removal that
// follows may raise an error, and no C++ object may be alive then.
int claimed_orphans(int64 *ids) {
    int count = 0;
    for (uint64 i = 0; i < SPI_processed; ++i) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        bool is_null = false;
        SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &is_null);
        if (is_null)
            ids[count++] = DatumGetInt64(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &is_null));
    }
    return count;
}

// Returns how many were removed.
int remove_orphan_deliveries(const ExtensionInfo &extension, const char *endpoint, const int64 *ids,
                             int count) {
    Datum arguments[2] = {CStringGetTextDatum(endpoint), int8_array(ids, count)};
    if (SPI_execute_plan(plan_for(extension, kRemoveOrphans), arguments, nullptr, false, 0) !=
        SPI_OK_DELETE)
        elog(ERROR, "booking_events: removing deliveries without an event failed");
    if (SPI_processed > 0)
        ereport(LOG, (errmsg("booking_events worker: removed %llu pending deliveries whose event "
                             "is gone (outbox rows deleted) for endpoint \"%s\"",
                             static_cast<unsigned long long>(SPI_processed), endpoint)));
    return static_cast<int>(SPI_processed);
}

// Runs the claim with its oldest lane starting at `from`; returns how many
// rows that lane gave (the last column says whose a row is).
int run_claim_from(SPIPlanPtr claim, Datum *arguments, int64 from) {
    arguments[5] = Int64GetDatum(from);
    // read_only = false: see claim_due_events.
    if (SPI_execute_plan(claim, arguments, nullptr, false, 0) != SPI_OK_SELECT)
        elog(ERROR, "booking_events: claiming due deliveries failed");
    int oldest_lane_rows = 0;
    for (uint64 i = 0; i < SPI_processed; ++i) {
        bool is_null = false;
        const Datum oldest =
            SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 8, &is_null);
        if (!is_null && DatumGetBool(oldest)) ++oldest_lane_rows;
    }
    return oldest_lane_rows;
}

// The endpoint's lowest pending outbox id at or after `from`; 0 when none.
// A statement of its own after the claim, with a fresh snapshot like it.
int64 pending_head(const ExtensionInfo &extension, const char *endpoint, int64 from) {
    Datum arguments[2] = {CStringGetTextDatum(endpoint), Int64GetDatum(from)};
    if (SPI_execute_plan(plan_for(extension, kHead), arguments, nullptr, false, 1) !=
            SPI_OK_SELECT ||
        SPI_processed != 1)
        elog(ERROR, "booking_events: looking up the first pending delivery failed");
    bool is_null = false;
    const Datum head = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
    return is_null ? 0 : DatumGetInt64(head);
}

}  // namespace

bool schema_has_deliveries(const ExtensionInfo &extension) {
    return OidIsValid(get_relname_relid("webhook_deliveries", extension.schema_oid));
}

void reset_endpoint_store() {
    forget_claim_starts();
    free_worker_plans(plans.plan, kStatementCount);
    plans.schema_oid = InvalidOid;
}

ClaimBatch claim_endpoint_deliveries(const ExtensionInfo &extension, const char *endpoint,
                                     const int64 *in_flight_ids, int in_flight_count,
                                     const char *const *busy_bookings, int busy_count, int limit,
                                     int newest) {
    SPIPlanPtr claim = plan_for(extension, kClaim);
    newest = Max(0, Min(newest, limit));
    Datum arguments[6] = {CStringGetTextDatum(endpoint),
                          int8_array(in_flight_ids, in_flight_count),
                          text_array(busy_bookings, busy_count),
                          Int32GetDatum(limit - newest),
                          Int32GetDatum(newest),
                          Int64GetDatum(0)};
    ClaimStart *start = claim_start_for(extension.extension_oid, endpoint);
    const int64 now_ms = GetCurrentTimestamp() / 1000;
    int64 from = start->from(now_ms);
    int oldest_lane_rows = run_claim_from(claim, arguments, from);
    if (start->claimed(from, oldest_lane_rows, limit - newest, now_ms)) {
        SPI_freetuptable(SPI_tuptable);
        from = 0;
        oldest_lane_rows = run_claim_from(claim, arguments, from);
        start->claimed(from, oldest_lane_rows, limit - newest, now_ms);
    }
    auto *orphans = static_cast<int64 *>(palloc(sizeof(int64) * (SPI_processed + 1)));
    const int orphan_count = claimed_orphans(orphans);
    ClaimBatch batch = read_claimed_batch();
    if (orphan_count > 0)
        batch.removed_without_event =
            remove_orphan_deliveries(extension, endpoint, orphans, orphan_count);
    if (start->wants_head()) start->head_found(pending_head(extension, endpoint, from));
    return batch;
}

namespace {

// Settles, by the general rule, the events whose outbox ids are the first
// column of the last statement's rows (none: nothing to do). Two
// statements: the outbox rows are locked first, so that the settle's
// snapshot is taken once every earlier settler of those events committed
// (lock_events_query); `what` names the caller in an error.
void settle_returned_events(const ExtensionInfo &extension, const char *what) {
    const int count = static_cast<int>(SPI_processed);
    if (count == 0) return;
    auto *outbox_ids = static_cast<int64 *>(palloc(sizeof(int64) * count));
    for (int i = 0; i < count; ++i) {
        bool is_null = false;
        outbox_ids[i] =
            DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &is_null));
    }
    Datum arguments[1] = {int8_array(outbox_ids, count)};
    if (SPI_execute_plan(plan_for(extension, kLockEvents), arguments, nullptr, false, 0) !=
            SPI_OK_SELECT ||
        SPI_execute_plan(plan_for(extension, kSettle), arguments, nullptr, false, 0) !=
            SPI_OK_SELECT ||
        SPI_processed != 1)
        elog(ERROR, "booking_events: settling %s failed", what);
}

}  // namespace

void record_endpoint_attempts(const ExtensionInfo &extension, const AttemptRow *rows, int count) {
    if (count == 0) return;
    if (run_record(plan_for(extension, kRecord), rows, count, true) != SPI_OK_SELECT)
        elog(ERROR, "booking_events: recording delivery attempts failed");
    // The events the record could not settle alone (several deliveries).
    // The lone ones need no lock first: an event with one delivery has no
    // other delivery another transaction could change, writers of that one
    // queue on its row lock, and the record copies its new version (built
    // on the latest committed one) into the outbox in the same statement.
    settle_returned_events(extension, "recorded events");
}

void end_removed_endpoint_deliveries(const ExtensionInfo &extension) {
    if (SPI_execute_plan(plan_for(extension, kEndRemoved), nullptr, nullptr, false, 0) !=
        SPI_OK_SELECT)
        elog(ERROR, "booking_events: ending deliveries to removed endpoints failed");
    settle_returned_events(extension, "the events of removed endpoints' deliveries");
}

int64 ms_until_next_attempt(const ExtensionInfo &extension, bool schema_has_endpoints) {
    if (!schema_has_endpoints) return ms_until_next_due(extension);
    return run_next_due(plan_for(extension, kNextDue));
}

int64 delete_expired_events_chunk(const ExtensionInfo &extension, int retention_days, int chunk) {
    return run_expiry(plan_for(extension, kExpire), retention_days, chunk);
}

EndpointRows read_endpoint_rows(const ExtensionInfo &extension) {
    if (SPI_execute_plan(plan_for(extension, kEndpoints), nullptr, nullptr, false, 0) !=
        SPI_OK_SELECT)
        elog(ERROR, "booking_events: reading webhook_endpoints failed");
    EndpointRows result;
    result.count = static_cast<int>(SPI_processed);
    result.rows = static_cast<EndpointRow *>(palloc0(sizeof(EndpointRow) * (result.count + 1)));
    TupleDesc descriptor = SPI_tuptable->tupdesc;
    for (int i = 0; i < result.count; ++i) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        EndpointRow &row = result.rows[i];
        row.name = SPI_getvalue(tuple, descriptor, 1);
        row.url = utf8_value(tuple, descriptor, 2);
        row.api_key = utf8_value(tuple, descriptor, 3);
        row.signing_secret = utf8_value(tuple, descriptor, 4);
        bool is_null = false;
        row.paused = DatumGetBool(SPI_getbinval(tuple, descriptor, 5, &is_null));
        row.batch_max = DatumGetInt32(SPI_getbinval(tuple, descriptor, 6, &is_null));
        const Datum rate = SPI_getbinval(tuple, descriptor, 7, &is_null);
        row.has_rate = !is_null;
        row.max_per_second = is_null ? 0 : DatumGetFloat4(rate);
    }
    return result;
}

void write_endpoint_states(const ExtensionInfo &extension, const EndpointStateRow *rows,
                           int count) {
    if (count == 0) return;
    using Row = EndpointStateRow;
    Datum arguments[8] = {
        text_array(gathered(rows, count, &Row::name), count),
        text_array(gathered(rows, count, &Row::state), count),
        int8_array(gathered(rows, count, &Row::state_age_ms), count),
        int4_array(gathered(rows, count, &Row::consecutive_failures), nullptr, count),
        int8_array(gathered(rows, count, &Row::paused_for_ms), count),
        int8_array(gathered(rows, count, &Row::last_success_age_ms), count),
        int8_array(gathered(rows, count, &Row::last_failure_age_ms), count),
        text_array(gathered(rows, count, &Row::last_error), count)};
    if (SPI_execute_plan(plan_for(extension, kState), arguments, nullptr, false, 0) !=
        SPI_OK_INSERT)
        elog(ERROR, "booking_events: writing webhook_endpoint_state failed");
}

}  // namespace booking_events
