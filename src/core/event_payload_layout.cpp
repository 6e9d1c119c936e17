#include "core/event_payload_layout.hpp"

#include <cmath>
#include <cstring>

namespace booking_events {

PayloadValue payload_value_of(const nlohmann::json &value, std::string *number_text) {
    PayloadValue result;
    switch (value.type()) {
        case nlohmann::json::value_t::boolean:
            result.kind = PayloadValueKind::Bool;
            result.boolean = value.get<bool>();
            break;
        case nlohmann::json::value_t::number_integer:
            result.kind = PayloadValueKind::Integer;
            result.integer = value.get<std::int64_t>();
            break;
        case nlohmann::json::value_t::number_unsigned:
        case nlohmann::json::value_t::number_float:
            // serialize_event writes a NaN or an infinity as null.
            if (value.is_number_float() && !std::isfinite(value.get<double>())) break;
            *number_text = value.dump();
            result.kind = PayloadValueKind::Number;
            result.text = number_text->data();
            result.length = number_text->size();
            break;
        case nlohmann::json::value_t::string: {
            const std::string &text = value.get_ref<const std::string &>();
            result.kind = PayloadValueKind::String;
            result.text = text.data();
            result.length = text.size();
            break;
        }
        case nlohmann::json::value_t::object:
        case nlohmann::json::value_t::array:
            result.kind = PayloadValueKind::Json;
            result.json = &value;
            break;
        default:
            break;
    }
    return result;
}

const PayloadValue *PayloadRow::field(const char *name) const {
    for (std::size_t i = 0; i < count; ++i)
        if (std::strcmp(columns[i].name, name) == 0) return &columns[i].value;
    return nullptr;
}

namespace {

// id_text: what dump() writes for a number or a boolean.
std::optional<std::string> id_text(const PayloadValue &value) {
    switch (value.kind) {
        case PayloadValueKind::String:
        case PayloadValueKind::Number:
            return std::string(value.text, value.length);
        case PayloadValueKind::Integer:
            return std::to_string(value.integer);
        case PayloadValueKind::Bool:
            return value.boolean ? "true" : "false";
        default:
            return std::nullopt;
    }
}

bool is_number(PayloadValueKind kind) {
    return kind == PayloadValueKind::Integer || kind == PayloadValueKind::Number;
}

enum class Comparison { Equal, Different, Unknown };

// nlohmann's == as the reference path compares two status values; Unknown
// where it compares numbers across kinds or reads a value written here
// only as its text.
Comparison compare(const PayloadValue &a, const PayloadValue &b) {
    if (a.kind != b.kind) {
        if (is_number(a.kind) && is_number(b.kind)) return Comparison::Unknown;
        const bool containers =
            (a.kind == PayloadValueKind::Json || a.kind == PayloadValueKind::Opaque) &&
            (b.kind == PayloadValueKind::Json || b.kind == PayloadValueKind::Opaque);
        return containers ? Comparison::Unknown : Comparison::Different;
    }
    bool equal = false;
    switch (a.kind) {
        case PayloadValueKind::Null:
            equal = true;
            break;
        case PayloadValueKind::Bool:
            equal = a.boolean == b.boolean;
            break;
        case PayloadValueKind::Integer:
            equal = a.integer == b.integer;
            break;
        case PayloadValueKind::String:
            equal = a.length == b.length && std::memcmp(a.text, b.text, a.length) == 0;
            break;
        case PayloadValueKind::Number:
            // Equal texts are equal numbers; unequal ones may be too (-0.0).
            if (a.length == b.length && std::memcmp(a.text, b.text, a.length) == 0)
                return Comparison::Equal;
            return Comparison::Unknown;
        case PayloadValueKind::Json:
            equal = *a.json == *b.json;
            break;
        case PayloadValueKind::Opaque:
            return Comparison::Unknown;
    }
    return equal ? Comparison::Equal : Comparison::Different;
}

// status_changed of the reference path.
Comparison status_comparison(const PayloadEvent &event) {
    if (event.operation != RowOperation::Update || event.old_record == nullptr)
        return Comparison::Equal;
    const PayloadValue *now = event.record.field("status");
    const PayloadValue *before = event.old_record->field("status");
    if (now == nullptr || before == nullptr) return Comparison::Equal;
    return compare(*now, *before);
}

}  // namespace

std::optional<std::string> payload_event_type(const PayloadEvent &event) {
    if (const PayloadValue *type = event.record.field("event_type")) {
        switch (type->kind) {
            case PayloadValueKind::Null:
                return kDefaultRowEventType;
            case PayloadValueKind::String:
                if (type->length == 0) return kDefaultRowEventType;
                return std::string(type->text, type->length);
            case PayloadValueKind::Json:
                return type->json->dump();
            case PayloadValueKind::Opaque:
                return std::nullopt;
            default:
                return id_text(*type);
        }
    }
    Comparison status = Comparison::Equal;
    if (event.is_bookings_table) status = status_comparison(event);
    if (status == Comparison::Unknown) return std::nullopt;
    return default_event_type(event.table, event.operation, event.is_bookings_table,
                              status == Comparison::Different);
}

std::optional<std::string> payload_id_field(const PayloadRow *row, const char *name) {
    if (row == nullptr) return std::nullopt;
    if (const PayloadValue *value = row->field(name)) return id_text(*value);
    return std::nullopt;
}

std::optional<std::string> payload_booking_id(const PayloadEvent &event) {
    if (const PayloadValue *id = event.record.field("booking_id")) return id_text(*id);
    if (event.is_bookings_table) return payload_id_field(&event.record, "id");
    return std::nullopt;
}

namespace {

// Writes the event's tokens in the order build_event assigns its keys (jsonb
// sorts them anyway; payload_tokens_to_jsonb pushes them in its order).
class EventWriter {
  public:
    explicit EventWriter(JsonTokens *out) : out_(out) {}

    void begin(const char *key) {
        if (key != nullptr) this->key(key);
        push(JsonTokenKind::BeginObject);
    }
    void end() { push(JsonTokenKind::EndObject); }

    void key(const char *name) {
        append_text_token(JsonTokenKind::Key, name, std::strlen(name), false, TextBytes::Utf8,
                          out_);
    }

    void string(const char *key, const std::string &text) { string(key, text.data(), text.size()); }
    void string(const char *key, const char *text) { string(key, text, std::strlen(text)); }
    void string(const char *key, const char *text, std::size_t length) {
        this->key(key);
        append_text_token(JsonTokenKind::String, text, length, false, TextBytes::Utf8, out_);
    }

    // `text`, kept by the tokens for as long as they point into it.
    const std::string &kept(std::string text) {
        return out_->kept_texts.emplace_back(std::move(text));
    }

    void value(const char *key, const PayloadValue *value) {
        this->key(key);
        if (value == nullptr) {
            push(JsonTokenKind::Null);
            return;
        }
        switch (value->kind) {
            case PayloadValueKind::Null:
                push(JsonTokenKind::Null);
                break;
            case PayloadValueKind::Bool:
                push(JsonTokenKind::Bool).boolean = value->boolean;
                break;
            case PayloadValueKind::Integer:
                push(JsonTokenKind::Integer).integer = value->integer;
                break;
            case PayloadValueKind::Number: {
                JsonToken &token = push(JsonTokenKind::NumberText);
                token.text = value->text;
                token.length = value->length;
                break;
            }
            case PayloadValueKind::String:
                append_text_token(JsonTokenKind::String, value->text, value->length, false,
                                  TextBytes::Utf8, out_);
                break;
            case PayloadValueKind::Json:
                tokenize_json(*value->json, TextBytes::Utf8, out_);
                break;
            case PayloadValueKind::Opaque:
                push(JsonTokenKind::Opaque).opaque = value->opaque;
                break;
        }
    }

    void boolean(const char *key, bool value) {
        this->key(key);
        push(JsonTokenKind::Bool).boolean = value;
    }

    void row(const char *key, const PayloadRow &row) {
        begin(key);
        for (std::size_t i = 0; i < row.count; ++i)
            value(row.columns[i].name, &row.columns[i].value);
        end();
    }

  private:
    JsonToken &push(JsonTokenKind kind) {
        JsonToken &token = out_->tokens.emplace_back();
        token.kind = kind;
        return token;
    }

    JsonTokens *out_;
};

// booking_event_section.
void write_booking_event(EventWriter &writer, const std::string &event_type,
                         const std::optional<std::string> &booking_id, const PayloadEvent &event,
                         bool status_changed) {
    writer.begin("booking_event");
    if (const PayloadValue *id = event.record.field("id")) writer.value("id", id);
    if (booking_id) writer.string("booking_id", *booking_id);
    writer.string("event_type", event_type);
    for (const char *name : {"description", "user_id", "created_at"})
        if (const PayloadValue *value = event.record.field(name)) writer.value(name, value);
    writer.string("table", event.table);
    writer.string("operation", operation_name(event.operation));
    if (status_changed) {
        writer.value("old_status", event.old_record->field("status"));
        writer.value("new_status", event.record.field("status"));
    }
    writer.row("record", event.record);
    if (event.operation != RowOperation::Insert && event.old_record != nullptr)
        writer.row("old_record", *event.old_record);
    if (event.manual) writer.boolean("manual", true);
    writer.end();
}

// profile_subset.
void write_profile(EventWriter &writer, const char *key, const PayloadRow &profile,
                   bool with_company) {
    writer.begin(key);
    if (const PayloadValue *id = profile.field("id")) writer.value("id", id);
    const PayloadValue *name = profile.field("full_name");
    if (name == nullptr || name->kind == PayloadValueKind::Null) name = profile.field("name");
    writer.value("name", name);
    writer.value("email", profile.field("email"));
    if (with_company) writer.value("company_name", profile.field("company_name"));
    writer.end();
}

}  // namespace

bool layout_event(const EventContext &context, const std::string &event_type,
                  const std::optional<std::string> &booking_id, const PayloadEvent &event,
                  const PayloadEnrichment &enrichment, JsonTokens *out) {
    const Comparison status = status_comparison(event);
    if (status == Comparison::Unknown) return false;
    EventWriter writer(out);
    writer.begin(nullptr);
    writer.string("event_id", context.event_id);
    writer.string("event_type", event_type);
    // Formatted once: `timestamp` is the same time.
    const std::string &event_time = writer.kept(format_event_time(context.event_time_unix_ms));
    writer.string("event_time", event_time);
    writer.string("source", context.source);
    write_booking_event(writer, event_type, booking_id, event, status == Comparison::Different);
    if (enrichment.booking_details != nullptr)
        writer.row("booking_details", *enrichment.booking_details);
    if (enrichment.client_profile != nullptr)
        write_profile(writer, "client_info", *enrichment.client_profile, false);
    if (enrichment.provider_profile != nullptr)
        write_profile(writer, "provider_info", *enrichment.provider_profile, true);
    writer.begin("system");
    writer.string("environment", context.environment);
    writer.string("timestamp", event_time);
    writer.string("database", context.database);
    writer.string("version", context.version);
    writer.end();
    writer.end();
    return true;
}

}  // namespace booking_events
