#include "pg/delivery_store.hpp"
#include "pg/encoding.hpp"
#include "pg/spi_arrays.hpp"

extern "C" {
#include "storage/bufmgr.h"
}

namespace booking_events {

namespace {

// The worker's statements by name. Each is prepared once per extension
// schema and kept; the worker runs them with generic plans (see
// worker_session.cpp for the settings that keep those plans index-driven).
enum Statement { kClaim, kRecord, kNextDue, kExpire, kStatementCount };

struct StorePlans {
    Oid schema_oid = InvalidOid;
    SPIPlanPtr plan[kStatementCount] = {};
    // The outbox's size when the plans were made: they are made again once
    // it has grown well past it (see plan_for).
    BlockNumber planned_blocks = 0;
};

StorePlans plans;

// Claimable: due, not in flight, and the oldest pending event of its
// booking. The per-booking probe reads the partial (hash of booking_id, id)
// index and rechecks the booking_id itself: a hash has a fixed size, so a
// booking_id of any length fits the index (a btree entry over about 2,700
// bytes is an error), and a hash collision only costs a recheck. "Earlier"
// is a row comparison on (hash, id), which only that index can answer: a
// plan made while the outbox was empty cannot turn the probe into a range
// scan of the primary key or of the claim's index from their start, which
// would make every claim quadratic in the backlog. So a claim costs
// O(batch) whatever the history holds.
const char *claim_query(const char *outbox) {
    const char *filter = psprintf(
        "o.status = 'pending' AND o.next_attempt_at <= now() AND o.id <> ALL ($1) "
        "AND (o.booking_id IS NULL OR (o.booking_id <> ALL ($2) AND NOT EXISTS ("
        "  SELECT 1 FROM %s e "
        "  WHERE hashtextextended(e.booking_id, 0) = hashtextextended(o.booking_id, 0) "
        "    AND (hashtextextended(e.booking_id, 0), e.id) "
        "        < (hashtextextended(o.booking_id, 0), o.id) "
        "    AND e.booking_id = o.booking_id AND e.status = 'pending')))",
        outbox);
    // Two lanes: most of a batch is the oldest due events, a quarter the
    // newest, so that a backlog of a million events drains oldest first
    // without making a fresh event of another booking wait behind all of it.
    // The newest lane looks back two seconds only: from that end, events of
    // bookings with earlier pending events fail the NOT EXISTS probe, and an
    // unbounded backward scan would walk the whole queue (BENCHMARKS.md,
    // bottleneck 3). A fresh event is claimed within that window, or by the
    // oldest lane in its turn.
    // UNION ALL of two index-ordered scans: the plan is the same for every
    // parameter value, and an event both lanes return is skipped the second
    // time when the rows are read.
    const char *columns =
        "o.id, o.event_id::text, o.event_type, o.booking_id, o.attempts, "
        "o.attempts_before_retry, o.payload::text";
    return psprintf(
        "(SELECT %s FROM %s o WHERE %s ORDER BY o.next_attempt_at, o.id LIMIT $3) "
        "UNION ALL "
        "(SELECT %s FROM %s o WHERE %s "
        "   AND o.next_attempt_at > now() - interval '2 seconds' "
        " ORDER BY o.next_attempt_at DESC, o.id DESC LIMIT $4)",
        columns, outbox, filter, columns, outbox, filter);
}

// The outcome arrives as the statuses the tables store (outbox_status_after,
// log_status_after), so its encoding lives in one place.
const char *record_query(const char *outbox, const char *logs) {
    return psprintf(
        "WITH r AS ("
        "  SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::int4[], $5::text[], "
        "                       $6::text[], $7::int4[], $8::text[], $9::float8[], $10::int8[]) "
        "    AS r(outbox_id, event_id, event_type, attempt, outbox_status, log_status, "
        "         http_status, error, response_time_ms, retry_delay_ms)"
        "), updated AS ("
        "  UPDATE %s o SET "
        "    attempts = o.attempts + 1, "
        "    status = r.outbox_status, "
        "    delivered_at = CASE WHEN r.outbox_status = 'delivered' THEN now() "
        "                        ELSE o.delivered_at END, "
        "    next_attempt_at = CASE WHEN r.outbox_status = 'pending' "
        "        THEN now() + r.retry_delay_ms * interval '1 millisecond' "
        "        ELSE o.next_attempt_at END, "
        "    last_http_status = r.http_status, "
        "    last_error = r.error "
        "  FROM r WHERE o.id = r.outbox_id AND o.event_id = r.event_id::uuid "
        "    AND o.status = 'pending' "
        "  RETURNING o.id"
        ") "
        "INSERT INTO %s (event_id, event_type, attempt, status, http_status, response_time_ms, "
        "                error) "
        "SELECT r.event_id::uuid, r.event_type, r.attempt, r.log_status, "
        "       r.http_status, r.response_time_ms, r.error "
        "FROM r WHERE EXISTS (SELECT 1 FROM %s o "
        "                     WHERE o.id = r.outbox_id AND o.event_id = r.event_id::uuid)",
        outbox, logs, outbox);
}

const char *next_due_query(const char *outbox) {
    return psprintf(
        "SELECT ceil(extract(epoch FROM min(next_attempt_at) - clock_timestamp()) * 1000)::int8 "
        "FROM %s WHERE status = 'pending' AND next_attempt_at > now()",
        outbox);
}

BlockNumber outbox_blocks(const ExtensionInfo &extension) {
    return extension_table_blocks(extension, "webhook_outbox");
}

// A generic plan is made once, from the statistics of that moment; made on
// an empty outbox (a quiet night after a vacuum) it may suit a handful of
// rows only. When the outbox has grown to several times the size the plans
// were made at, they are made again: PostgreSQL then estimates the rows from
// the table's current size, whatever the last ANALYZE said.
SPIPlanPtr plan_for(const ExtensionInfo &extension, Statement statement) {
    const bool outgrew =
        statement == kClaim &&
        table_outgrew_plans(analyze_if_outgrown(extension, "webhook_outbox"), plans.planned_blocks);
    if (plans.schema_oid != extension.schema_oid || plans.plan[kClaim] == nullptr || outgrew) {
        reset_delivery_store();
        plans.planned_blocks = outbox_blocks(extension);
        const char *outbox = qualified_extension_object(extension, "webhook_outbox");
        const char *logs = qualified_extension_object(extension, "webhook_logs");
        Oid claim_types[4] = {INT8ARRAYOID, TEXTARRAYOID, INT4OID, INT4OID};
        plans.plan[kClaim] = prepare_worker_plan(claim_query(outbox), 4, claim_types);
        Oid record_types[10] = {INT8ARRAYOID,   TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID,
                                TEXTARRAYOID,   TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID,
                                FLOAT8ARRAYOID, INT8ARRAYOID};
        plans.plan[kRecord] = prepare_worker_plan(record_query(outbox, logs), 10, record_types);
        plans.plan[kNextDue] = prepare_worker_plan(next_due_query(outbox), 0, nullptr);
        Oid expire_types[2] = {INT4OID, INT4OID};
        plans.plan[kExpire] =
            prepare_worker_plan(expired_rows_query(outbox, logs, nullptr), 2, expire_types);
        plans.schema_oid = extension.schema_oid;
    }
    return plans.plan[statement];
}

}  // namespace

namespace {

// A table's size now, and as its statistics (the last ANALYZE or VACUUM)
// describe it; both 0 when the table is absent.
struct TableSize {
    BlockNumber blocks = 0;
    BlockNumber analyzed_blocks = 0;
};

TableSize extension_table_size(const ExtensionInfo &extension, const char *table) {
    TableSize size;
    const Oid relid = get_relname_relid(table, extension.schema_oid);
    if (!OidIsValid(relid)) return size;
    Relation relation = relation_open(relid, AccessShareLock);
    size.blocks = RelationGetNumberOfBlocks(relation);
    const int32 relpages = relation->rd_rel->relpages;
    size.analyzed_blocks = relpages > 0 ? relpages : 0;
    relation_close(relation, AccessShareLock);
    return size;
}

}  // namespace

BlockNumber extension_table_blocks(const ExtensionInfo &extension, const char *table) {
    return extension_table_size(extension, table).blocks;
}

BlockNumber analyze_if_outgrown(const ExtensionInfo &extension, const char *table) {
    const TableSize size = extension_table_size(extension, table);
    if (!table_outgrew_plans(size.blocks, size.analyzed_blocks)) return size.blocks;
    const char *command =
        psprintf("ANALYZE (SKIP_LOCKED) %s", qualified_extension_object(extension, table));
    if (SPI_execute(command, false, 0) != SPI_OK_UTILITY)
        elog(ERROR, "booking_events: could not analyze %s", table);
    return size.blocks;
}

bool table_outgrew_plans(BlockNumber blocks, BlockNumber planned_blocks) {
    constexpr BlockNumber kGrowthFactor = 4;
    constexpr BlockNumber kSmallTableBlocks = 64;
    return blocks > kSmallTableBlocks && blocks / kGrowthFactor > planned_blocks;
}

const char *expired_rows_query(const char *outbox, const char *logs, const char *deliveries) {
    // From 1.2.0 on, delivered events leave with their deliveries in the
    // same statement (there is no foreign key to do it).
    const char *with_deliveries =
        deliveries == nullptr
            ? ""
            : psprintf(
                  ", gone AS (DELETE FROM %s WHERE outbox_id IN (SELECT id FROM events) "
                  "RETURNING 1)",
                  deliveries);
    return psprintf(
        "WITH logs AS ("
        "  DELETE FROM %s WHERE id IN (SELECT id FROM %s "
        "    WHERE created_at < now() - make_interval(days => $1) ORDER BY created_at LIMIT $2) "
        "  RETURNING 1"
        "), events AS ("
        "  DELETE FROM %s WHERE id IN (SELECT id FROM %s "
        "    WHERE status = 'delivered' AND delivered_at < now() - make_interval(days => $1) "
        "    ORDER BY delivered_at LIMIT $2) "
        "  RETURNING id"
        ")%s SELECT (SELECT count(*) FROM logs) + (SELECT count(*) FROM events)",
        logs, logs, outbox, outbox, with_deliveries);
}

SPIPlanPtr prepare_worker_plan(const char *query, int argument_count, Oid *argument_types) {
    SPIPlanPtr plan = SPI_prepare(query, argument_count, argument_types);
    if (plan == nullptr)
        elog(ERROR, "booking_events: could not prepare worker query: %s",
             SPI_result_code_string(SPI_result));
    SPI_keepplan(plan);
    return plan;
}

void free_worker_plans(SPIPlanPtr *plans_to_free, int count) {
    for (int i = 0; i < count; ++i) {
        if (plans_to_free[i] != nullptr) SPI_freeplan(plans_to_free[i]);
        plans_to_free[i] = nullptr;
    }
}

void reset_delivery_store() {
    free_worker_plans(plans.plan, kStatementCount);
    plans.schema_oid = InvalidOid;
}

ClaimBatch claim_due_events(const ExtensionInfo &extension, const int64 *in_flight_ids,
                            int in_flight_count, const char *const *busy_bookings, int busy_count,
                            int limit, int newest) {
    SPIPlanPtr claim = plan_for(extension, kClaim);
    newest = Max(0, Min(newest, limit));
    Datum arguments[4] = {int8_array(in_flight_ids, in_flight_count),
                          text_array(busy_bookings, busy_count), Int32GetDatum(limit - newest),
                          Int32GetDatum(newest)};
    // read_only = false: the claim must see the attempts recorded earlier in
    // this transaction (a fresh command id), or it would send them again.
    if (SPI_execute_plan(claim, arguments, nullptr, false, 0) != SPI_OK_SELECT)
        elog(ERROR, "booking_events: claiming due events failed");
    return read_claimed_batch();
}

ClaimBatch read_claimed_batch() {
    ClaimBatch batch;
    batch.count = 0;
    batch.removed_without_event = 0;
    const int rows = static_cast<int>(SPI_processed);
    batch.events = static_cast<ClaimedEvent *>(palloc0(sizeof(ClaimedEvent) * (rows + 1)));
    TupleDesc descriptor = SPI_tuptable->tupdesc;
    for (int i = 0; i < rows; ++i) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        bool is_null = false;
        const int64 outbox_id = DatumGetInt64(SPI_getbinval(tuple, descriptor, 1, &is_null));
        // No event (1.2.0's claim joins the outbox LEFT): nothing to send.
        SPI_getbinval(tuple, descriptor, 2, &is_null);
        if (is_null) continue;
        bool seen = false;
        for (int j = 0; j < batch.count && !seen; ++j)
            seen = batch.events[j].outbox_id == outbox_id;
        if (seen) continue;
        read_claimed_event(tuple, descriptor, &batch.events[batch.count++]);
    }
    return batch;
}

int run_record(SPIPlanPtr record, const AttemptRow *rows, int count, bool per_endpoint) {
    using Row = AttemptRow;
    Datum arguments[12];
    int n = 0;
    arguments[n++] = int8_array(gathered(rows, count, &Row::outbox_id), count);
    if (per_endpoint) arguments[n++] = text_array(gathered(rows, count, &Row::endpoint), count);
    arguments[n++] = text_array(gathered(rows, count, &Row::event_id), count);
    arguments[n++] = text_array(gathered(rows, count, &Row::event_type), count);
    arguments[n++] = int4_array(gathered(rows, count, &Row::attempt), nullptr, count);
    arguments[n++] =
        text_array(gathered<const char *>(
                       rows, count, [](const Row &row) { return outbox_status_after(row.step); }),
                   count);
    arguments[n++] =
        text_array(gathered<const char *>(
                       rows, count, [](const Row &row) { return log_status_after(row.step); }),
                   count);
    // No response (0) is stored as NULL.
    arguments[n++] = int4_array(
        gathered(rows, count, &Row::http_status),
        gathered<bool>(rows, count, [](const Row &row) { return row.http_status == 0; }), count);
    arguments[n++] = text_array(gathered(rows, count, &Row::error), count);
    arguments[n++] = float8_array(gathered(rows, count, &Row::response_time_ms), count);
    arguments[n++] = int8_array(gathered(rows, count, &Row::retry_delay_ms), count);
    if (per_endpoint)
        arguments[n++] = int4_array(
            gathered<int>(rows, count, [](const Row &row) { return row.outside_budget ? 1 : 0; }),
            nullptr, count);
    return SPI_execute_plan(record, arguments, nullptr, false, 0);
}

void read_claimed_event(HeapTuple tuple, TupleDesc descriptor, ClaimedEvent *event) {
    bool is_null = false;
    event->outbox_id = DatumGetInt64(SPI_getbinval(tuple, descriptor, 1, &is_null));
    event->event_id = SPI_getvalue(tuple, descriptor, 2);
    event->event_type = utf8_value(tuple, descriptor, 3);
    event->booking_id = utf8_value(tuple, descriptor, 4);
    event->attempts = DatumGetInt32(SPI_getbinval(tuple, descriptor, 5, &is_null));
    event->attempts_before_retry = DatumGetInt32(SPI_getbinval(tuple, descriptor, 6, &is_null));
    event->body = utf8_value(tuple, descriptor, 7);
    event->body_length = static_cast<int>(strlen(event->body));
}

void record_attempts(const ExtensionInfo &extension, const AttemptRow *rows, int count) {
    if (count == 0) return;
    if (run_record(plan_for(extension, kRecord), rows, count, false) != SPI_OK_INSERT)
        elog(ERROR, "booking_events: recording delivery attempts failed");
}

int64 ms_until_next_due(const ExtensionInfo &extension) {
    return run_next_due(plan_for(extension, kNextDue));
}

int64 run_next_due(SPIPlanPtr next_due) {
    if (SPI_execute_plan(next_due, nullptr, nullptr, false, 1) != SPI_OK_SELECT)
        elog(ERROR, "booking_events: reading the next due time failed");
    bool is_null = true;
    Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
    if (is_null) return -1;
    return Max(DatumGetInt64(value), 0);
}

int64 delete_expired_chunk(const ExtensionInfo &extension, int retention_days, int chunk) {
    return run_expiry(plan_for(extension, kExpire), retention_days, chunk);
}

int64 run_expiry(SPIPlanPtr expire, int retention_days, int chunk) {
    Datum arguments[2] = {Int32GetDatum(retention_days), Int32GetDatum(chunk)};
    if (SPI_execute_plan(expire, arguments, nullptr, false, 1) != SPI_OK_SELECT)
        elog(ERROR, "booking_events: deleting expired rows failed");
    bool is_null = true;
    Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
    return is_null ? 0 : DatumGetInt64(value);
}

}  // namespace booking_events
