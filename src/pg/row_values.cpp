#include "pg/row_values.hpp"

#include "pg/boundary.hpp"
#include "pg/encoding.hpp"

namespace booking_events {

ColumnKind column_kind_for_type(Oid type_oid) {
    switch (getBaseType(type_oid)) {
        case BOOLOID:
            return ColumnKind::Bool;
        case INT2OID:
        case INT4OID:
        case INT8OID:
        case OIDOID:
            return ColumnKind::Integer;
        case FLOAT4OID:
        case FLOAT8OID:
            return ColumnKind::Float;
        case NUMERICOID:
            return ColumnKind::Numeric;
        case JSONOID:
        case JSONBOID:
            return ColumnKind::Json;
        default:
            return ColumnKind::Text;
    }
}

namespace {

bool is_datetime_type(Oid type_oid) {
    switch (type_oid) {
        case DATEOID:
        case TIMEOID:
        case TIMETZOID:
        case TIMESTAMPOID:
        case TIMESTAMPTZOID:
            return true;
        default:
            return false;
    }
}

// Dates and times in the ISO 8601 form JSON consumers expect, whatever the
// session's DateStyle; timestamptz always in UTC (+00:00), whatever its
// TimeZone, so the same row gives the same payload from every session.
char *datetime_text(Datum value, Oid base_type) {
    char buffer[MAXDATELEN + 1];
    const int utc = 0;
    JsonEncodeDateTime(buffer, value, base_type, base_type == TIMESTAMPTZOID ? &utc : nullptr);
    return pstrdup(buffer);
}

}  // namespace

RawRow *collect_row(TupleDesc descriptor, HeapTuple tuple) {
    auto *row = static_cast<RawRow *>(palloc(sizeof(RawRow)));
    row->count = 0;
    row->columns = static_cast<RawColumn *>(palloc(sizeof(RawColumn) * (descriptor->natts + 1)));
    for (int i = 0; i < descriptor->natts; ++i) {
        Form_pg_attribute attribute = TupleDescAttr(descriptor, i);
        if (attribute->attisdropped) continue;
        RawColumn &column = row->columns[row->count++];
        column.name = server_to_utf8(NameStr(attribute->attname));
        bool is_null = false;
        Datum value = heap_getattr(tuple, i + 1, descriptor, &is_null);
        if (is_null) {
            column.kind = ColumnKind::Null;
            column.text = nullptr;
            continue;
        }
        const Oid base_type = getBaseType(attribute->atttypid);
        column.kind = column_kind_for_type(base_type);
        if (is_datetime_type(base_type)) {
            column.text = datetime_text(value, base_type);
            continue;
        }
        Oid output_function = InvalidOid;
        bool is_varlena = false;
        getTypeOutputInfo(attribute->atttypid, &output_function, &is_varlena);
        column.text = server_to_utf8(OidOutputFunctionCall(output_function, value));
    }
    return row;
}

namespace {

// A json value goes into the outbox's jsonb payload, which holds neither
// "\u0000" nor a character the database encoding lacks ("\u20ac" in a LATIN1
// database), although a json column accepts both. Such a value is carried
// as its JSON text, a string: the event is queued and nothing is lost.
nlohmann::json json_column_value(const std::string &text) {
    nlohmann::json value = column_to_json(ColumnKind::Json, text);
    if (!value.is_structured() && !value.is_string()) return value;
    if (json_holds_nul(value)) return text;
    const std::string written =
        value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    bool fits = true;
    pg_call([&] { fits = utf8_fits_server(written.data(), written.size()); });
    return fits ? value : nlohmann::json(text);
}

}  // namespace

nlohmann::json raw_row_to_json(const RawRow *row) {
    nlohmann::json object = nlohmann::json::object();
    for (int i = 0; i < row->count; ++i) {
        const RawColumn &column = row->columns[i];
        if (column.text == nullptr)
            object[column.name] = nullptr;
        else if (column.kind == ColumnKind::Json)
            object[column.name] = json_column_value(column.text);
        else
            object[column.name] = column_to_json(column.kind, std::string(column.text));
    }
    return object;
}

}  // namespace booking_events
