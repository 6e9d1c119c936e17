#include "pg/row_values.hpp"

#include "pg/boundary.hpp"
#include "pg/encoding.hpp"

namespace booking_events {

bool payload_reads_datums() { return GetDatabaseEncoding() == PG_UTF8; }

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

// PostgreSQL side: the reference path's kind and text of a non-null column.
void read_reference_view(RawColumn &column) {
    const Oid base_type = getBaseType(column.type);
    column.kind = column_kind_for_type(base_type);
    column.has_reference_view = true;
    if (is_datetime_type(base_type)) {
        column.text = datetime_text(column.value, base_type);
        return;
    }
    Oid output_function = InvalidOid;
    bool is_varlena = false;
    getTypeOutputInfo(column.type, &output_function, &is_varlena);
    column.text = server_to_utf8(OidOutputFunctionCall(output_function, column.value));
    // A json value nested deeper than kMaxJsonColumnDepth is carried as its
    // text, unparsed (jsonb's depth is bounded by PostgreSQL's own checks).
    if (base_type == JSONOID && json_text_nests_deeper(column.text, kMaxJsonColumnDepth))
        column.kind = ColumnKind::Text;
}

// PostgreSQL side: `text` as both views of the column.
void set_text(RawColumn &column, ColumnKind kind, const char *text) {
    column.form = kind == ColumnKind::Numeric ? DatumForm::Numeric : DatumForm::Text;
    column.data = text;
    column.length = strlen(text);
    column.has_reference_view = true;
    column.kind = kind;
    column.text = text;
}

// PostgreSQL side: a jsonb column. A scalar is the value itself, as the
// reference path's parse of its text makes it.
void read_jsonb(RawColumn &column) {
    Jsonb *jsonb = DatumGetJsonbP(column.value);
    column.value = JsonbPGetDatum(jsonb);  // detoasted once
    if (!JB_ROOT_IS_SCALAR(jsonb)) {
        column.form = DatumForm::Jsonb;
        column.container = jsonb;
        return;
    }
    JsonbValue scalar;
    JsonbExtractScalar(&jsonb->root, &scalar);
    switch (scalar.type) {
        case jbvString:
            column.form = DatumForm::Text;
            column.data = scalar.val.string.val;
            column.length = static_cast<std::size_t>(scalar.val.string.len);
            break;
        case jbvBool:
            column.form = DatumForm::Bool;
            column.integer = scalar.val.boolean;
            break;
        case jbvNumeric:
            column.form = DatumForm::JsonbNumber;
            column.data = DatumGetCString(
                DirectFunctionCall1(numeric_out, NumericGetDatum(scalar.val.numeric)));
            break;
        default:
            column.form = DatumForm::Null;
            break;
    }
}

// PostgreSQL side: reads the column from its Datum when its type is one
// the payload writes directly; false otherwise.
bool read_direct(RawColumn &column) {
    switch (column.type) {
        case BOOLOID:
            column.form = DatumForm::Bool;
            column.integer = DatumGetBool(column.value);
            column.has_reference_view = true;
            column.kind = ColumnKind::Bool;
            column.text = column.integer ? "t" : "f";
            return true;
        case INT2OID:
            column.form = DatumForm::Integer;
            column.integer = DatumGetInt16(column.value);
            return true;
        case INT4OID:
            column.form = DatumForm::Integer;
            column.integer = DatumGetInt32(column.value);
            return true;
        case INT8OID:
            column.form = DatumForm::Integer;
            column.integer = DatumGetInt64(column.value);
            return true;
        case TEXTOID:
        case VARCHAROID:
        case BPCHAROID: {
            // The bytes as stored, as the output functions write them.
            struct varlena *text = pg_detoast_datum_packed(
                reinterpret_cast<struct varlena *>(DatumGetPointer(column.value)));
            column.value = PointerGetDatum(text);  // detoasted once
            column.form = DatumForm::Text;
            column.data = VARDATA_ANY(text);
            column.length = VARSIZE_ANY_EXHDR(text);
            return true;
        }
        case NUMERICOID:
            set_text(column, ColumnKind::Numeric,
                     DatumGetCString(DirectFunctionCall1(numeric_out, column.value)));
            return true;
        case DATEOID:
        case TIMESTAMPOID:
        case TIMESTAMPTZOID:
            set_text(column, ColumnKind::Text, datetime_text(column.value, column.type));
            return true;
        case UUIDOID:
            set_text(column, ColumnKind::Text,
                     DatumGetCString(DirectFunctionCall1(uuid_out, column.value)));
            return true;
        case JSONBOID:
            read_jsonb(column);
            return true;
        default:
            return false;
    }
}

}  // namespace

RawRow *collect_row(TupleDesc descriptor, HeapTuple tuple) {
    const bool reference_view = !payload_reads_datums();
    auto *row = static_cast<RawRow *>(palloc(sizeof(RawRow)));
    row->count = 0;
    row->columns = static_cast<RawColumn *>(palloc0(sizeof(RawColumn) * (descriptor->natts + 1)));
    for (int i = 0; i < descriptor->natts; ++i) {
        Form_pg_attribute attribute = TupleDescAttr(descriptor, i);
        if (attribute->attisdropped) continue;
        RawColumn &column = row->columns[row->count++];
        column.name = server_to_utf8(NameStr(attribute->attname));
        column.type = attribute->atttypid;
        bool is_null = false;
        column.value = heap_getattr(tuple, i + 1, descriptor, &is_null);
        if (is_null) {
            column.form = DatumForm::Null;
            column.has_reference_view = true;
            column.kind = ColumnKind::Null;
            continue;
        }
        if (reference_view || !read_direct(column)) {
            column.form = DatumForm::Other;
            read_reference_view(column);
        }
    }
    return row;
}

namespace {

// PostgreSQL side: the reference view of every column that has none yet.
void complete_reference_view(RawRow *row) {
    for (int i = 0; i < row->count; ++i)
        if (!row->columns[i].has_reference_view) read_reference_view(row->columns[i]);
}

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

// The reference path's value of a column whose view is read.
nlohmann::json column_json(const RawColumn &column) {
    if (column.text == nullptr) return nullptr;
    if (column.kind == ColumnKind::Json) return json_column_value(column.text);
    return column_to_json(column.kind, std::string(column.text));
}

// The value of a column read from its Datum.
bool direct_value(const RawColumn &column, PayloadRowStorage *storage, PayloadValue *value) {
    switch (column.form) {
        case DatumForm::Bool:
            value->kind = PayloadValueKind::Bool;
            value->boolean = column.integer != 0;
            return true;
        case DatumForm::Integer:
            value->kind = PayloadValueKind::Integer;
            value->integer = column.integer;
            return true;
        case DatumForm::Text:
            value->kind = PayloadValueKind::String;
            value->text = column.data;
            value->length = column.length;
            return true;
        case DatumForm::Numeric: {
            const NumericJson number = numeric_json(column.data);
            if (number.form == NumericJson::Form::Text) {
                value->kind = PayloadValueKind::String;
                value->text = column.data;
                value->length = column.length;
            } else if (number.form == NumericJson::Form::Integer) {
                value->kind = PayloadValueKind::Integer;
                value->integer = number.integer;
            } else {
                *value =
                    payload_value_of(nlohmann::json(number.real), &storage->texts.emplace_back());
            }
            return true;
        }
        case DatumForm::JsonbNumber: {
            JsonNumber number;
            if (!read_json_number(column.data, strlen(column.data), &number)) return false;
            if (number.is_integer) {
                value->kind = PayloadValueKind::Integer;
                value->integer = number.integer;
                return true;
            }
            const std::string &text = storage->texts.emplace_back(number.written);
            value->kind = PayloadValueKind::Number;
            value->text = text.data();
            value->length = text.size();
            return true;
        }
        case DatumForm::Jsonb:
            value->kind = PayloadValueKind::Opaque;
            value->opaque = column.container;
            return true;
        default:
            value->kind = PayloadValueKind::Null;
            return true;
    }
}

}  // namespace

nlohmann::json raw_row_to_json(RawRow *row) {
    pg_call([&] { complete_reference_view(row); });
    nlohmann::json object = nlohmann::json::object();
    for (int i = 0; i < row->count; ++i)
        object[row->columns[i].name] = column_json(row->columns[i]);
    return object;
}

bool payload_row(RawRow *row, PayloadRowStorage *storage, PayloadRow *out) {
    std::vector<PayloadColumn> &columns = storage->columns.emplace_back(row->count);
    for (int i = 0; i < row->count; ++i) {
        const RawColumn &column = row->columns[i];
        PayloadColumn &target = columns[i];
        target.name = column.name;
        if (column.form != DatumForm::Other) {
            if (!direct_value(column, storage, &target.value)) return false;
            continue;
        }
        const nlohmann::json &value = storage->values.emplace_back(column_json(column));
        target.value = payload_value_of(value, &storage->texts.emplace_back());
    }
    out->columns = columns.data();
    out->count = columns.size();
    return true;
}

}  // namespace booking_events
