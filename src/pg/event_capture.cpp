#include "pg/event_capture.hpp"

#include <array>
#include <optional>
#include <utility>

#include "core/event_payload_layout.hpp"
#include "core/random_buffer.hpp"
#include "pg/boundary.hpp"
#include "pg/encoding.hpp"
#include "pg/enrichment_lookup.hpp"
#include "pg/enrichment_tables.hpp"
#include "pg/event_notification.hpp"
#include "pg/extension_cache.hpp"
#include "pg/outbox_insert.hpp"
#include "pg/payload_jsonb.hpp"
#include "pg/row_values.hpp"
#include "pg/settings.hpp"
#include "pg/version.hpp"

namespace booking_events {

namespace {

// What the capture needs from PostgreSQL before the C++ side builds the
// event. Filled under pg_call: PostgreSQL memory only.
struct CapturedRow {
    bool extension_found = false;
    CachedExtension extension;
    Oid bookings_relid = InvalidOid;
    Oid profiles_relid = InvalidOid;
    bool is_temporary = false;
    const char *table_name = nullptr;  // UTF-8; the partition root's for a partition
    bool is_bookings_table = false;
    RawRow *new_row = nullptr;
    RawRow *old_row = nullptr;
    TimestampTz now = 0;
    TimestampTz transaction_start = 0;
    bool reads_datums = false;  // the payload is written from the rows' Datums
};

// A partition's rows are the rows of its partitioned table: the event is
// typed and named after the root, which is what the settings name.
Oid partition_root(Relation relation) {
    if (!relation->rd_rel->relispartition) return RelationGetRelid(relation);
    return llast_oid(get_partition_ancestors(RelationGetRelid(relation)));
}

// PostgreSQL side.
void capture_from_postgres(const RowChangeSource &source, CapturedRow *captured) {
    captured->extension_found = current_extension(&captured->extension);
    if (!captured->extension_found) return;
    captured->is_temporary = source.relation->rd_rel->relpersistence == RELPERSISTENCE_TEMP;
    if (captured->is_temporary) return;
    captured->bookings_relid = resolve_bookings_table();
    captured->profiles_relid = resolve_profiles_table();
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "booking_events: SPI_connect failed");
    TupleDesc descriptor = RelationGetDescr(source.relation);
    captured->new_row = collect_row(descriptor, source.new_tuple);
    if (source.old_tuple != nullptr) captured->old_row = collect_row(descriptor, source.old_tuple);
    const Oid root = partition_root(source.relation);
    captured->table_name = server_to_utf8(get_rel_name(root));
    captured->is_bookings_table = root == captured->bookings_relid;
    captured->now = GetCurrentTimestamp();
    captured->transaction_start = GetCurrentTransactionStartTimestamp();
    captured->reads_datums = payload_reads_datums();
}

// What either way of building the payload gives the outbox insert and
// the notification.
struct BuiltEvent {
    std::string event_type;
    std::optional<std::string> booking_id;
    Datum payload = (Datum)0;
    NotificationFields notification;  // filled when notifying
};

// The looked-up row as the reference path holds it.
std::optional<nlohmann::json> lookup_json(Oid relid, const std::string &id) {
    if (RawRow *row = lookup_row(relid, id)) return raw_row_to_json(row);
    return std::nullopt;
}

Enrichment enrich(const RowEvent &event, const std::optional<std::string> &booking_id,
                  const CapturedRow &captured) {
    Enrichment enrichment;
    if (event.is_bookings_table)
        enrichment.booking_details = event.record;
    else if (booking_id)
        enrichment.booking_details = lookup_json(captured.bookings_relid, *booking_id);
    if (!enrichment.booking_details) return enrichment;
    if (std::optional<std::string> client = id_field(enrichment.booking_details, "client_id"))
        if (auto profile = lookup_json(captured.profiles_relid, *client))
            enrichment.client_info = client_info_from_profile(*profile);
    if (std::optional<std::string> provider = id_field(enrichment.booking_details, "provider_id"))
        if (auto profile = lookup_json(captured.profiles_relid, *provider))
            enrichment.provider_info = provider_info_from_profile(*profile);
    return enrichment;
}

// Read before the rows move into the payload; the outbox id is set after
// the insert.
NotificationFields notification_for(const RowEvent &event, const EventContext &context,
                                    const std::string &event_type,
                                    const std::optional<std::string> &booking_id,
                                    const Enrichment &enrichment, TimestampTz transaction_start) {
    NotificationFields fields;
    fields.event_id = context.event_id;
    fields.event_type = event_type;
    fields.booking_id = booking_id;
    fields.user_id = id_field(event.record, "user_id");
    fields.client_id = id_field(enrichment.booking_details, "client_id");
    fields.provider_id = id_field(enrichment.booking_details, "provider_id");
    if (auto description = event.record.find("description");
        description != event.record.end() && description->is_string())
        fields.description = description->get<std::string>();
    fields.created_at = format_event_time(unix_ms(transaction_start));
    return fields;
}

// The reference path: the event as an nlohmann tree, then its jsonb.
BuiltEvent build_from_tree(const RowChangeSource &source, const CapturedRow &captured,
                           const EventContext &context, bool notify, TextBytes bytes) {
    RowEvent event;
    event.table = captured.table_name;
    event.operation = source.operation;
    event.is_bookings_table = captured.is_bookings_table;
    event.manual = source.manual;
    event.record = raw_row_to_json(captured.new_row);
    if (captured.old_row != nullptr) event.old_record = raw_row_to_json(captured.old_row);

    BuiltEvent built;
    built.event_type = event_type_for(event);
    built.booking_id = booking_id_for(event);
    Enrichment enrichment = enrich(event, built.booking_id, captured);
    if (notify)
        built.notification = notification_for(event, context, built.event_type, built.booking_id,
                                              enrichment, captured.transaction_start);
    built.payload =
        event_to_jsonb(build_event(context, built.event_type,
                                   booking_event_section(std::move(event), built.event_type),
                                   std::move(enrichment)),
                       bytes);
    return built;
}

// The enrichment row `relid` holds for `id`, read for the payload layout;
// false when it needs the reference path.
bool lookup_payload_row(Oid relid, const std::optional<std::string> &id, PayloadRowStorage *storage,
                        PayloadRow *row, const PayloadRow **found) {
    *found = nullptr;
    if (!id) return true;
    RawRow *raw = lookup_row(relid, *id);
    if (raw == nullptr) return true;
    if (!payload_row(raw, storage, row)) return false;
    *found = row;
    return true;
}

// The payload written from the rows' Datums (event_payload_layout.hpp);
// nullopt, with nothing written, when the event needs the reference path.
std::optional<BuiltEvent> build_from_datums(const RowChangeSource &source,
                                            const CapturedRow &captured,
                                            const EventContext &context, bool notify) {
    PayloadRowStorage storage;
    PayloadEvent event;
    event.table = captured.table_name;
    event.operation = source.operation;
    event.is_bookings_table = captured.is_bookings_table;
    event.manual = source.manual;
    PayloadRow old_record;
    if (!payload_row(captured.new_row, &storage, &event.record)) return std::nullopt;
    if (captured.old_row != nullptr) {
        if (!payload_row(captured.old_row, &storage, &old_record)) return std::nullopt;
        event.old_record = &old_record;
    }
    std::optional<std::string> event_type = payload_event_type(event);
    if (!event_type) return std::nullopt;
    BuiltEvent built;
    built.event_type = std::move(*event_type);
    built.booking_id = payload_booking_id(event);

    PayloadEnrichment enrichment;
    PayloadRow booking, client, provider;
    if (event.is_bookings_table)
        enrichment.booking_details = &event.record;
    else if (!lookup_payload_row(captured.bookings_relid, built.booking_id, &storage, &booking,
                                 &enrichment.booking_details))
        return std::nullopt;
    if (enrichment.booking_details != nullptr &&
        (!lookup_payload_row(captured.profiles_relid,
                             payload_id_field(enrichment.booking_details, "client_id"), &storage,
                             &client, &enrichment.client_profile) ||
         !lookup_payload_row(captured.profiles_relid,
                             payload_id_field(enrichment.booking_details, "provider_id"), &storage,
                             &provider, &enrichment.provider_profile)))
        return std::nullopt;

    JsonTokens tokens;
    if (!layout_event(context, built.event_type, built.booking_id, event, enrichment, &tokens) ||
        !tokens.direct || !payload_tokens_to_jsonb(tokens, &built.payload))
        return std::nullopt;
    if (notify) {
        NotificationFields &fields = built.notification;
        fields.event_id = context.event_id;
        fields.event_type = built.event_type;
        fields.booking_id = built.booking_id;
        fields.user_id = payload_id_field(&event.record, "user_id");
        fields.client_id = payload_id_field(enrichment.booking_details, "client_id");
        fields.provider_id = payload_id_field(enrichment.booking_details, "provider_id");
        const PayloadValue *description = event.record.field("description");
        if (description != nullptr && description->kind == PayloadValueKind::String)
            fields.description = std::string(description->text, description->length);
        fields.created_at = format_event_time(unix_ms(captured.transaction_start));
    }
    return built;
}

}  // namespace

std::int64_t unix_ms(TimestampTz timestamp) {
    return timestamp / 1000 +
           static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000;
}

std::string new_event_id() {
    // 32 ids per call of the strong source (OpenSSL's RAND_bytes).
    static RandomBuffer random(512);
    std::array<std::uint8_t, 16> bytes{};
    const bool ok = random.take(bytes.data(), bytes.size(), MyProcPid,
                                [](std::uint8_t *out, std::size_t length) {
                                    bool filled = false;
                                    pg_call([&] { filled = pg_strong_random(out, length); });
                                    return filled;
                                });
    if (!ok)
        throw SqlError(ERRCODE_INTERNAL_ERROR,
                       "booking_events: could not generate a random event id");
    return format_uuid_v4(bytes);
}

std::string database_name_utf8() {
    char *name = nullptr;
    pg_call([&] { name = server_to_utf8(get_database_name(MyDatabaseId)); });
    return name ? name : "";
}

std::string capture_row_event(const RowChangeSource &source) {
    CapturedRow captured;
    bool raw_bytes = false;
    pg_call([&] {
        capture_from_postgres(source, &captured);
        raw_bytes = server_bytes_are_raw();
    });
    if (!captured.extension_found)
        throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                       "extension \"booking_events\" is not installed in this database");
    // A temporary table belongs to one session, which could give it any
    // name and content: it is never a source of events.
    if (captured.is_temporary)
        throw SqlError(ERRCODE_FEATURE_NOT_SUPPORTED,
                       "booking_events does not capture rows of temporary tables", "",
                       "Events come from permanent tables only.");

    EventContext context;
    context.event_id = new_event_id();
    context.event_time_unix_ms = unix_ms(captured.now);
    context.source = setting_source ? setting_source : "";
    context.environment = setting_environment ? setting_environment : "";
    // A database cannot be renamed while sessions are connected to it.
    static const std::string database = database_name_utf8();
    context.database = database;
    context.version = kExtensionVersion;
    const bool notify = setting_notify;
    std::optional<BuiltEvent> built;
    if (captured.reads_datums) built = build_from_datums(source, captured, context, notify);
    if (!built)
        built = build_from_tree(source, captured, context, notify,
                                raw_bytes ? TextBytes::Raw : TextBytes::Utf8);

    built->notification.outbox_id = insert_into_outbox(
        captured.extension, context.event_id, built->event_type, built->booking_id, built->payload);
    pg_call([] { SPI_finish(); });

    if (notify) publish_notification(std::move(built->notification));
    return context.event_id;
}

}  // namespace booking_events
