#include "pg/event_capture.hpp"

#include <array>
#include <optional>
#include <unordered_map>

#include "core/notification.hpp"
#include "pg/boundary.hpp"
#include "pg/encoding.hpp"
#include "pg/enrichment_tables.hpp"
#include "pg/extension_catalog.hpp"
#include "pg/pending_notifications.hpp"
#include "pg/row_values.hpp"
#include "pg/settings.hpp"
#include "pg/shared_state.hpp"
#include "pg/version.hpp"

namespace booking_events {

namespace {

// Looked up once per transaction: the extension can be dropped and created
// again between two transactions, never inside one that fires our trigger.
struct TransactionCache {
    LocalTransactionId transaction = InvalidLocalTransactionId;
    ExtensionInfo extension;
    bool extension_found = false;
    Oid bookings_relid = InvalidOid;
    Oid profiles_relid = InvalidOid;
};

TransactionCache transaction_cache;

struct OutboxInsertPlan {
    Oid schema_oid = InvalidOid;
    SPIPlanPtr plan = nullptr;
};

OutboxInsertPlan outbox_insert_plan;

struct LookupPlan {
    SPIPlanPtr plan = nullptr;
    Oid id_type = InvalidOid;
};

// Enrichment plans by table. A relcache invalidation of any of these tables
// (ALTER TABLE, DROP) marks the whole cache stale; it is rebuilt on next use.
std::unordered_map<Oid, LookupPlan> lookup_plans;
bool lookup_plans_stale = false;
bool relcache_callback_registered = false;

void on_relcache_invalidation(Datum, Oid relid) {
    if (relid == InvalidOid || lookup_plans.count(relid) != 0) lookup_plans_stale = true;
}

void refresh_transaction_cache() {
    if (transaction_cache.transaction == MyProc->lxid) return;
    transaction_cache.extension_found = lookup_extension(&transaction_cache.extension);
    transaction_cache.bookings_relid = resolve_bookings_table();
    transaction_cache.profiles_relid = resolve_profiles_table();
    transaction_cache.transaction = MyProc->lxid;
}

// Whether `text` is a valid input for an id column of `type_oid`: lookups only
// run with values the type accepts, so a malformed id omits the enrichment
// instead of failing the user's statement.
bool id_fits_type(const std::string &text, Oid type_oid) {
    auto all_of = [&](auto predicate, std::size_t from) {
        for (std::size_t i = from; i < text.size(); ++i)
            if (!predicate(static_cast<unsigned char>(text[i]))) return false;
        return text.size() > from;
    };
    switch (type_oid) {
        case INT2OID:
        case INT4OID:
        case INT8OID: {
            const std::size_t from = !text.empty() && text[0] == '-' ? 1 : 0;
            if (text.size() - from > 18 || !all_of(::isdigit, from)) return false;
            const long long value = std::stoll(text);
            if (type_oid == INT2OID) return value >= PG_INT16_MIN && value <= PG_INT16_MAX;
            if (type_oid == INT4OID) return value >= PG_INT32_MIN && value <= PG_INT32_MAX;
            return true;
        }
        case UUIDOID: {
            std::size_t hex = 0;
            for (char c : text) {
                if (std::isxdigit(static_cast<unsigned char>(c)))
                    ++hex;
                else if (c != '-')
                    return false;
            }
            return hex == 32 && text.size() <= 36;
        }
        case TEXTOID:
        case VARCHAROID:
        case BPCHAROID:
            return text.find('\0') == std::string::npos;
        default:
            return false;
    }
}

// Prepares "SELECT * FROM table WHERE id = $1". PostgreSQL side.
void prepare_lookup(Oid relid, LookupPlan *out) {
    out->plan = nullptr;
    out->id_type = InvalidOid;
    const AttrNumber id_attribute = get_attnum(relid, "id");
    if (id_attribute == InvalidAttrNumber) return;
    Oid id_type = get_atttype(relid, id_attribute);
    StringInfoData query;
    initStringInfo(&query);
    // Runs as the extension's owner with the caller's search_path: the
    // operator is qualified so that no object of the caller's can stand in.
    appendStringInfo(&query, "SELECT * FROM %s WHERE id OPERATOR(pg_catalog.=) $1",
                     quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
                                                get_rel_name(relid)));
    SPIPlanPtr plan = SPI_prepare(query.data, 1, &id_type);
    if (plan == nullptr) elog(ERROR, "booking_events: SPI_prepare failed: %s", query.data);
    SPI_keepplan(plan);
    out->plan = plan;
    out->id_type = id_type;
}

void drop_stale_lookup_plans() {
    if (!lookup_plans_stale) return;
    for (auto &entry : lookup_plans) {
        SPIPlanPtr plan = entry.second.plan;
        if (plan != nullptr) pg_call([&] { SPI_freeplan(plan); });
    }
    lookup_plans.clear();
    lookup_plans_stale = false;
}

// The row of `relid` whose id is `id`, as JSON; nullopt when the table has no
// usable id column, the caller may not read it, or no row matches.
std::optional<nlohmann::json> lookup_row(Oid relid, const std::string &id, Oid reader) {
    if (!OidIsValid(relid)) return std::nullopt;
    if (!relcache_callback_registered) {
        pg_call([] { CacheRegisterRelcacheCallback(on_relcache_invalidation, (Datum)0); });
        relcache_callback_registered = true;
    }
    drop_stale_lookup_plans();
    auto found = lookup_plans.find(relid);
    if (found == lookup_plans.end()) {
        LookupPlan prepared;
        pg_call([&] { prepare_lookup(relid, &prepared); });
        found = lookup_plans.emplace(relid, prepared).first;
    }
    const LookupPlan plan = found->second;
    if (plan.plan == nullptr || !id_fits_type(id, plan.id_type)) return std::nullopt;

    RawRow *row = nullptr;
    pg_call([&] {
        if (pg_class_aclcheck(relid, reader, ACL_SELECT) != ACLCHECK_OK) return;
        Oid input_function = InvalidOid, io_param = InvalidOid;
        getTypeInputInfo(plan.id_type, &input_function, &io_param);
        Datum value =
            OidInputFunctionCall(input_function, const_cast<char *>(id.c_str()), io_param, -1);
        Datum values[1] = {value};
        // As the extension's owner, like the outbox insert: an application
        // role that may only write its own rows still gets its events enriched.
        const SavedIdentity saved = become_extension_owner(reader);
        const int result = SPI_execute_plan(plan.plan, values, nullptr, true, 1);
        restore_identity(saved);
        if (result != SPI_OK_SELECT) elog(ERROR, "booking_events: enrichment lookup failed");
        if (SPI_processed == 1) row = collect_row(SPI_tuptable->tupdesc, SPI_tuptable->vals[0]);
    });
    if (row == nullptr) return std::nullopt;
    return raw_row_to_json(row);
}

std::optional<std::string> field_text(const nlohmann::json &row, const char *name) {
    if (!row.is_object()) return std::nullopt;
    auto it = row.find(name);
    if (it == row.end()) return std::nullopt;
    return id_text(*it);
}

Enrichment enrich(const RowEvent &event, const std::optional<std::string> &booking_id, Oid reader) {
    Enrichment enrichment;
    if (event.is_bookings_table)
        enrichment.booking_details = event.record;
    else if (booking_id)
        enrichment.booking_details =
            lookup_row(transaction_cache.bookings_relid, *booking_id, reader);
    if (!enrichment.booking_details) return enrichment;
    if (std::optional<std::string> client = field_text(*enrichment.booking_details, "client_id"))
        if (auto profile = lookup_row(transaction_cache.profiles_relid, *client, reader))
            enrichment.client_info = client_info_from_profile(*profile);
    if (std::optional<std::string> provider =
            field_text(*enrichment.booking_details, "provider_id"))
        if (auto profile = lookup_row(transaction_cache.profiles_relid, *provider, reader))
            enrichment.provider_info = provider_info_from_profile(*profile);
    return enrichment;
}

}  // namespace

std::int64_t unix_ms(TimestampTz timestamp) {
    return timestamp / 1000 +
           static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000;
}

std::string new_event_id() {
    std::array<std::uint8_t, 16> bytes{};
    bool ok = false;
    pg_call([&] { ok = pg_strong_random(bytes.data(), bytes.size()); });
    if (!ok)
        throw SqlError(ERRCODE_INTERNAL_ERROR,
                       "booking_events: could not generate a random event id");
    return format_uuid_v4(bytes);
}

namespace {

// Writes the event and returns its outbox id.
int64 insert_into_outbox(const ExtensionInfo &extension, const std::string &event_id,
                         const std::string &event_type,
                         const std::optional<std::string> &booking_id, const std::string &body) {
    int64 outbox_id = 0;
    pg_call([&] {
        if (outbox_insert_plan.schema_oid != extension.schema_oid) {
            if (outbox_insert_plan.plan != nullptr) SPI_freeplan(outbox_insert_plan.plan);
            outbox_insert_plan.plan = nullptr;
            StringInfoData query;
            initStringInfo(&query);
            appendStringInfo(
                &query,
                "INSERT INTO %s (event_id, event_type, booking_id, payload) "
                "VALUES ($1::pg_catalog.uuid, $2, $3, $4::pg_catalog.jsonb) RETURNING id",
                qualified_extension_object(extension, "webhook_outbox"));
            Oid types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
            SPIPlanPtr plan = SPI_prepare(query.data, 4, types);
            if (plan == nullptr) elog(ERROR, "booking_events: could not prepare the outbox insert");
            SPI_keepplan(plan);
            outbox_insert_plan.plan = plan;
            outbox_insert_plan.schema_oid = extension.schema_oid;
        }
        Datum values[4] = {
            CStringGetTextDatum(event_id.c_str()),
            CStringGetTextDatum(utf8_to_server(event_type.c_str(), event_type.size())),
            booking_id
                ? CStringGetTextDatum(utf8_to_server(booking_id->c_str(), booking_id->size()))
                : (Datum)0,
            CStringGetTextDatum(utf8_to_server(body.c_str(), body.size()))};
        const char nulls[4] = {' ', ' ', booking_id ? ' ' : 'n', ' '};
        const SavedIdentity saved = become_extension_owner(extension.owner_oid);
        const int result = SPI_execute_plan(outbox_insert_plan.plan, values, nulls, false, 1);
        restore_identity(saved);
        if (result != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
            elog(ERROR, "booking_events: outbox insert failed: %d", result);
        bool is_null = false;
        outbox_id =
            DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
        wake_worker_on_commit();
    });
    return outbox_id;
}

// The event's notifications, in the database encoding, queued for commit.
// Nothing here may fail the user's statement: the limits NOTIFY enforces
// with an ERROR are checked first, and what would break them is left out.
void publish_notification(const NotificationFields &fields) {
    const std::vector<std::string> channels = notification_channels(fields);
    const std::string payload =
        setting_notify_full_payload ? notification_payload(fields) : notification_hint(fields);
    const char *server_payload = nullptr;
    std::vector<const char *> server_channels(channels.size(), nullptr);
    pg_call([&] {
        server_payload = utf8_to_server(payload.c_str(), payload.size());
        for (std::size_t i = 0; i < channels.size(); ++i)
            server_channels[i] = utf8_to_server(channels[i].c_str(), channels[i].size());
    });
    if (strlen(server_payload) > kNotifyPayloadMaxBytes) return;
    std::vector<std::string> accepted;
    for (const char *channel : server_channels)
        if (strlen(channel) < NAMEDATALEN) accepted.emplace_back(channel);
    queue_notifications(std::move(accepted), server_payload);
}

std::optional<std::string> text_field(const std::optional<nlohmann::json> &row, const char *name) {
    if (!row || !row->is_object()) return std::nullopt;
    auto it = row->find(name);
    if (it == row->end()) return std::nullopt;
    return id_text(*it);
}

}  // namespace

std::string database_name_utf8() {
    char *name = nullptr;
    pg_call([&] { name = server_to_utf8(get_database_name(MyDatabaseId)); });
    return name ? name : "";
}

std::string capture_row_event(const RowChangeSource &source) {
    RawRow *new_row = nullptr;
    RawRow *old_row = nullptr;
    const char *table_name = nullptr;
    bool is_bookings_table = false;
    TimestampTz now = 0;
    TimestampTz transaction_start = 0;
    pg_call([&] {
        refresh_transaction_cache();
        if (!transaction_cache.extension_found) return;
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "booking_events: SPI_connect failed");
        TupleDesc descriptor = RelationGetDescr(source.relation);
        new_row = collect_row(descriptor, source.new_tuple);
        if (source.old_tuple != nullptr) old_row = collect_row(descriptor, source.old_tuple);
        table_name = server_to_utf8(RelationGetRelationName(source.relation));
        is_bookings_table = RelationGetRelid(source.relation) == transaction_cache.bookings_relid;
        now = GetCurrentTimestamp();
        transaction_start = GetCurrentTransactionStartTimestamp();
    });
    if (!transaction_cache.extension_found)
        throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                       "extension \"booking_events\" is not installed in this database");

    RowEvent event;
    event.table = table_name;
    event.operation = source.operation;
    event.is_bookings_table = is_bookings_table;
    event.manual = source.manual;
    event.record = raw_row_to_json(new_row);
    if (old_row != nullptr) event.old_record = raw_row_to_json(old_row);

    const std::string event_type = event_type_for(event);
    const std::optional<std::string> booking_id = booking_id_for(event);
    const ExtensionInfo extension = transaction_cache.extension;
    const Enrichment enrichment = enrich(event, booking_id, extension.owner_oid);

    EventContext context;
    context.event_id = new_event_id();
    context.event_time_unix_ms = unix_ms(now);
    context.source = setting_source ? setting_source : "";
    context.environment = setting_environment ? setting_environment : "";
    // A database cannot be renamed while sessions are connected to it.
    static const std::string database = database_name_utf8();
    context.database = database;
    context.version = kExtensionVersion;
    const std::string body = serialize_event(
        build_event(context, event_type, booking_event_section(event, event_type), enrichment));

    const int64 outbox_id =
        insert_into_outbox(extension, context.event_id, event_type, booking_id, body);
    pg_call([] { SPI_finish(); });

    if (setting_notify) {
        NotificationFields fields;
        fields.outbox_id = outbox_id;
        fields.event_id = context.event_id;
        fields.event_type = event_type;
        fields.booking_id = booking_id;
        fields.user_id = text_field(event.record, "user_id");
        fields.client_id = text_field(enrichment.booking_details, "client_id");
        fields.provider_id = text_field(enrichment.booking_details, "provider_id");
        if (auto description = event.record.find("description");
            description != event.record.end() && description->is_string())
            fields.description = description->get<std::string>();
        fields.created_at = format_event_time(unix_ms(transaction_start));
        publish_notification(fields);
    }
    return context.event_id;
}

}  // namespace booking_events
