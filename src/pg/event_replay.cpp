// booking_events_replay(): the events after an outbox id, returned to the
// calling role only when it may see them.
//
// Two identities meet here, and neither may borrow the other's rights:
//
//  * the outbox belongs to the extension's owner: it is read as that owner,
//    in a restricted security context, by one fixed statement on the
//    extension's own table;
//  * which bookings the caller may see is asked as the caller, on the
//    bookings table (booking_events.bookings_table), so that its SELECT
//    privilege and its row-level security policies decide.
//
// The function itself runs as its caller (not SECURITY DEFINER), and it is
// the only entry point: no function a listener can call returns outbox rows
// past the visibility check. A role that may read the outbox itself sees
// every event, as it could with a SELECT. Any other role sees the events
// whose booking_id is the id of a bookings row it can SELECT, and no event
// without a booking_id; nothing while the bookings table is unset, missing,
// or not an ordinary or partitioned table.
//
// Cost: when the caller sees at most kVisibleBookingsListed bookings, their
// ids go into the outbox query (one statement, walking the outbox from
// after_id in id order). A role that sees more is checked page by page of
// outbox rows instead. An index on the booking id would make the first case
// independent of other bookings' events; it has to be on a hash of the id
// (a long booking_id must not fail the application's INSERT), not done yet.
#include "pg/boundary.hpp"
#include "pg/enrichment_tables.hpp"
#include "pg/extension_catalog.hpp"

namespace booking_events {

namespace {

constexpr int kVisibleBookingsListed = 10000;
constexpr int kCandidatePageRows = 1000;

enum ReplayArgument { kAfterId, kBookingIds, kUserIds, kClientIds, kProviderIds, kMaxRows };

// Owner query parameters: $1 after_id, $2..$5 the filters, $6 the limit,
// $7 the ids of the bookings the caller may see (when they are listed).
constexpr int kOwnerParameters = 7;

struct ReplayScope {
    Oid outbox_owner = InvalidOid;
    const char *outbox = nullptr;    // qualified, quoted
    const char *bookings = nullptr;  // qualified, quoted; nullptr: the caller sees everything
    bool bookings_missing = false;   // a restricted caller then sees nothing
};

bool has_filters(FunctionCallInfo fcinfo) {
    for (int argument = kBookingIds; argument <= kProviderIds; ++argument) {
        if (PG_ARGISNULL(argument)) continue;
        ArrayType *ids = PG_GETARG_ARRAYTYPE_P(argument);
        if (ArrayGetNItems(ARR_NDIM(ids), ARR_DIMS(ids)) > 0) return true;
    }
    return false;
}

// Every name qualified, every operator spelled OPERATOR(pg_catalog.x): the
// statement means the same whatever the session's search_path holds.
// Which outbox rows the owner's statement may return before the caller's
// check: all (the caller reads the outbox itself), those of the listed
// bookings, or those with a booking (checked page by page afterwards).
enum class Restriction { kNone, kListedBookings, kAnyBooking };

char *owner_query(const ReplayScope &scope, bool filtered, Restriction restriction) {
    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfo(
        &sql,
        "SELECT o.id, pg_catalog.jsonb_build_object("
        "'id', o.id, 'event_id', o.event_id, 'event_type', o.event_type, "
        "'booking_id', o.booking_id, "
        "'user_id', pg_catalog.jsonb_extract_path_text(o.payload, 'booking_event', 'user_id'), "
        "'client_id', pg_catalog.jsonb_extract_path_text(o.payload, 'booking_details', "
        "'client_id'), "
        "'provider_id', pg_catalog.jsonb_extract_path_text(o.payload, 'booking_details', "
        "'provider_id'), "
        "'description', pg_catalog.jsonb_extract_path_text(o.payload, 'booking_event', "
        "'description'), "
        "'created_at', pg_catalog.to_char(pg_catalog.timezone('UTC', o.created_at), "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')), o.booking_id "
        "FROM %s o WHERE o.id OPERATOR(pg_catalog.>) $1",
        scope.outbox);
    if (restriction == Restriction::kListedBookings)
        appendStringInfoString(&sql, " AND o.booking_id OPERATOR(pg_catalog.=) ANY ($7)");
    else if (restriction == Restriction::kAnyBooking)
        appendStringInfoString(&sql, " AND o.booking_id IS NOT NULL");
    if (filtered)
        appendStringInfoString(
            &sql,
            " AND (o.booking_id OPERATOR(pg_catalog.=) ANY ($2)"
            " OR pg_catalog.jsonb_extract_path_text(o.payload, 'booking_event', 'user_id')"
            " OPERATOR(pg_catalog.=) ANY ($3)"
            " OR pg_catalog.jsonb_extract_path_text(o.payload, 'booking_details', 'client_id')"
            " OPERATOR(pg_catalog.=) ANY ($4)"
            " OR pg_catalog.jsonb_extract_path_text(o.payload, 'booking_details', 'provider_id')"
            " OPERATOR(pg_catalog.=) ANY ($5))");
    appendStringInfoString(&sql, " ORDER BY o.id LIMIT $6");
    return sql.data;
}

// Both statements run with the search_path pinned (pg_temp last), although
// every name in them is qualified, and with row-level security on, so that
// policies filter rather than fail the caller's query. Returns the GUC nest
// level to close with AtEOXact_GUC.
int pin_settings() {
    const int nest_level = NewGUCNestLevel();
    set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
                      GUC_ACTION_SAVE, true, 0, false);
    set_config_option("row_security", "on", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                      false);
    return nest_level;
}

// Reads the outbox as its owner. The statement is fixed and touches only the
// extension's own table; the restricted context keeps it from leaving
// anything behind that would run as the owner later.
SPITupleTable *read_outbox(const ReplayScope &scope, const char *sql, Datum *values,
                           const char *nulls) {
    static Oid types[kOwnerParameters] = {INT8OID,      TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
                                          TEXTARRAYOID, INT8OID,      TEXTARRAYOID};
    const int nest_level = pin_settings();
    Oid caller = InvalidOid;
    int security_context = 0;
    GetUserIdAndSecContext(&caller, &security_context);
    SetUserIdAndSecContext(scope.outbox_owner, security_context | SECURITY_LOCAL_USERID_CHANGE |
                                                   SECURITY_RESTRICTED_OPERATION);
    const int result = SPI_execute_with_args(sql, kOwnerParameters, types, values, nulls, true, 0);
    SetUserIdAndSecContext(caller, security_context);
    AtEOXact_GUC(true, nest_level);
    if (result != SPI_OK_SELECT) elog(ERROR, "booking_events: outbox replay failed: %d", result);
    return SPI_tuptable;
}

// The caller's own query on the bookings table: its privileges, its
// row-level security policies.
SPITupleTable *ask_as_caller(const char *sql, int parameters, Datum *values) {
    static Oid types[1] = {TEXTARRAYOID};
    const int nest_level = pin_settings();
    const int result = SPI_execute_with_args(sql, parameters, types, values, nullptr, true, 0);
    AtEOXact_GUC(true, nest_level);
    if (result != SPI_OK_SELECT) elog(ERROR, "booking_events: bookings lookup failed: %d", result);
    return SPI_tuptable;
}

// The text[] of column `column` of `rows`, NULLs left out.
Datum text_array_of(SPITupleTable *rows, int column) {
    const uint64 count = rows->numvals;
    Datum *elements = static_cast<Datum *>(palloc(sizeof(Datum) * (count + 1)));
    int used = 0;
    for (uint64 row = 0; row < count; ++row) {
        bool is_null = false;
        const Datum value = SPI_getbinval(rows->vals[row], rows->tupdesc, column, &is_null);
        if (!is_null) elements[used++] = value;
    }
    return PointerGetDatum(construct_array(elements, used, TEXTOID, -1, false, TYPALIGN_INT));
}

void put_row(ReturnSetInfo *result, SPITupleTable *rows, uint64 row) {
    Datum values[2];
    bool nulls[2];
    values[0] = SPI_getbinval(rows->vals[row], rows->tupdesc, 1, &nulls[0]);
    values[1] = SPI_getbinval(rows->vals[row], rows->tupdesc, 2, &nulls[1]);
    tuplestore_putvalues(result->setResult, result->setDesc, values, nulls);
}

ReplayScope replay_scope() {
    const ExtensionInfo extension = installed_extension();
    ReplayScope scope;
    scope.outbox_owner = extension.owner_oid;
    scope.outbox = qualified_extension_object(extension, "webhook_outbox");
    const Oid outbox = get_relname_relid("webhook_outbox", extension.schema_oid);
    if (OidIsValid(outbox) && pg_class_aclcheck(outbox, GetUserId(), ACL_SELECT) == ACLCHECK_OK)
        return scope;

    const Oid bookings = resolve_bookings_table();
    const char kind = OidIsValid(bookings) ? get_rel_relkind(bookings) : '\0';
    // A view or a function-backed relation would answer with whatever its
    // author chose, and a temporary table is the caller's own: neither says
    // which bookings exist.
    if ((kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE) ||
        get_rel_persistence(bookings) == RELPERSISTENCE_TEMP) {
        scope.bookings_missing = true;
        return scope;
    }
    scope.bookings = quote_qualified_identifier(get_namespace_name(get_rel_namespace(bookings)),
                                                get_rel_name(bookings));
    return scope;
}

void replay(FunctionCallInfo fcinfo, int64 max_rows) {
    ReturnSetInfo *result = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "booking_events: SPI_connect failed");
    const ReplayScope scope = replay_scope();
    if (scope.bookings_missing || max_rows == 0) {
        SPI_finish();
        return;
    }

    Datum values[kOwnerParameters];
    char nulls[kOwnerParameters];
    for (int argument = kAfterId; argument <= kProviderIds; ++argument) {
        values[argument] = PG_GETARG_DATUM(argument);
        nulls[argument] = PG_ARGISNULL(argument) ? 'n' : ' ';
    }
    values[5] = Int64GetDatum(max_rows);
    nulls[5] = ' ';
    values[6] = (Datum)0;
    nulls[6] = 'n';
    const bool filtered = has_filters(fcinfo);

    Restriction restriction = Restriction::kNone;
    if (scope.bookings != nullptr) {
        restriction = Restriction::kAnyBooking;
        SPITupleTable *visible =
            ask_as_caller(psprintf("SELECT CAST(b.id AS pg_catalog.text) FROM %s b LIMIT %d",
                                   scope.bookings, kVisibleBookingsListed + 1),
                          0, nullptr);
        if (visible->numvals <= static_cast<uint64>(kVisibleBookingsListed)) {
            if (visible->numvals == 0) {
                SPI_finish();
                return;
            }
            values[6] = text_array_of(visible, 1);
            nulls[6] = ' ';
            restriction = Restriction::kListedBookings;
        }
    }
    if (restriction != Restriction::kAnyBooking) {
        SPITupleTable *rows =
            read_outbox(scope, owner_query(scope, filtered, restriction), values, nulls);
        for (uint64 row = 0; row < rows->numvals; ++row) put_row(result, rows, row);
        SPI_finish();
        return;
    }

    // Too many visible bookings to list: outbox rows page by page, each
    // page's booking ids (none NULL) checked by the caller's query, which
    // returns the ordinals of the visible ones.
    const char *page_sql = owner_query(scope, filtered, Restriction::kAnyBooking);
    const char *check_sql = psprintf(
        "SELECT c.ord FROM pg_catalog.unnest($1) WITH ORDINALITY AS c(booking_id, ord) "
        "WHERE EXISTS (SELECT FROM %s b WHERE CAST(b.id AS pg_catalog.text) "
        "OPERATOR(pg_catalog.=) c.booking_id) ORDER BY c.ord",
        scope.bookings);
    values[5] = Int64GetDatum(kCandidatePageRows);
    int64 returned = 0;
    while (returned < max_rows) {
        SPITupleTable *page = read_outbox(scope, page_sql, values, nulls);
        if (page->numvals == 0) break;
        Datum page_bookings = text_array_of(page, 3);
        SPITupleTable *visible = ask_as_caller(check_sql, 1, &page_bookings);
        for (uint64 i = 0; i < visible->numvals && returned < max_rows; ++i) {
            bool is_null = false;
            const int64 ordinal =
                DatumGetInt64(SPI_getbinval(visible->vals[i], visible->tupdesc, 1, &is_null));
            put_row(result, page, static_cast<uint64>(ordinal - 1));
            ++returned;
        }
        bool is_null = false;
        values[0] = SPI_getbinval(page->vals[page->numvals - 1], page->tupdesc, 1, &is_null);
        if (page->numvals < static_cast<uint64>(kCandidatePageRows)) break;
        SPI_freetuptable(visible);
        SPI_freetuptable(page);
    }
    SPI_finish();
}

Datum replay_entry(FunctionCallInfo fcinfo) {
    if (PG_ARGISNULL(kAfterId))
        throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "after_id must not be NULL", "",
                       "Pass 0 for every event the outbox keeps.");
    if (PG_ARGISNULL(kMaxRows) || PG_GETARG_INT32(kMaxRows) < 0)
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "max_rows must be a non-negative integer");
    const int64 max_rows = PG_GETARG_INT32(kMaxRows);
    pg_call([&] {
        InitMaterializedSRF(fcinfo, 0);
        replay(fcinfo, max_rows);
    });
    return (Datum)0;
}

}  // namespace

}  // namespace booking_events

BOOKING_EVENTS_SQL_FUNCTION(booking_events_replay, booking_events::replay_entry)
