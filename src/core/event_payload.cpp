#include "core/event_payload.hpp"

#include <cctype>
#include <cstdlib>
#include <utility>

namespace booking_events {

namespace {

// Doubles carry 15 significant decimal digits exactly; longer numerics stay
// text so that money and large ids are never silently rounded.
bool fits_double_exactly(const std::string &text) {
    int digits = 0;
    for (char c : text) {
        if (std::isdigit(static_cast<unsigned char>(c)))
            ++digits;
        else if (c != '-' && c != '.')
            return false;
    }
    return digits > 0 && digits <= 15;
}

}  // namespace

bool json_text_nests_deeper(std::string_view text, std::size_t limit) {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;  // the escaped character, a quote or a backslash included
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return true;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return false;
}

NumericJson numeric_json(const std::string &text) {
    NumericJson number;
    if (!fits_double_exactly(text)) return number;
    // A whole amount ("240.00") is a JSON integer, as it reads.
    const std::size_t point = text.find('.');
    const bool whole =
        point == std::string::npos || text.find_first_not_of('0', point + 1) == std::string::npos;
    if (whole) {
        number.form = NumericJson::Form::Integer;
        number.integer = static_cast<std::int64_t>(std::strtoll(text.c_str(), nullptr, 10));
    } else {
        number.form = NumericJson::Form::Double;
        number.real = std::strtod(text.c_str(), nullptr);
    }
    return number;
}

nlohmann::json column_to_json(ColumnKind kind, const std::string &text) {
    switch (kind) {
        case ColumnKind::Null:
            return nullptr;
        case ColumnKind::Bool:
            return text == "t" || text == "true";
        case ColumnKind::Integer: {
            errno = 0;
            char *end = nullptr;
            const long long value = std::strtoll(text.c_str(), &end, 10);
            if (errno == 0 && end != text.c_str() && *end == '\0')
                return static_cast<std::int64_t>(value);
            return text;
        }
        case ColumnKind::Float: {
            char *end = nullptr;
            const double value = std::strtod(text.c_str(), &end);
            // NaN and Infinity have no JSON number form.
            if (end != text.c_str() && *end == '\0' && std::isfinite(value)) return value;
            return text;
        }
        case ColumnKind::Numeric: {
            const NumericJson number = numeric_json(text);
            if (number.form == NumericJson::Form::Integer) return number.integer;
            if (number.form == NumericJson::Form::Double) return number.real;
            return text;
        }
        case ColumnKind::Json: {
            nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
            if (parsed.is_discarded()) return text;
            return parsed;
        }
        case ColumnKind::Text:
            return text;
    }
    return text;
}

nlohmann::json row_to_json(const std::vector<ColumnValue> &columns) {
    nlohmann::json row = nlohmann::json::object();
    for (const ColumnValue &column : columns)
        row[column.name] = column_to_json(column.kind, column.text);
    return row;
}

namespace {

// What each operation is called: TG_OP's word in the payload, and the past
// tense in the event type of a table without an event_type column.
struct OperationWords {
    const char *name;
    const char *past_tense;
};

OperationWords words_for(RowOperation operation) {
    switch (operation) {
        case RowOperation::Update:
            return {"UPDATE", "updated"};
        case RowOperation::Delete:
            return {"DELETE", "deleted"};
        case RowOperation::Insert:
            break;
    }
    return {"INSERT", "inserted"};
}

}  // namespace

const char *operation_name(RowOperation operation) { return words_for(operation).name; }

std::string default_event_type(const std::string &table, RowOperation operation,
                               bool is_bookings_table, bool status_changed) {
    if (is_bookings_table) {
        switch (operation) {
            case RowOperation::Insert:
                return "booking.created";
            case RowOperation::Update:
                return status_changed ? "booking.status_changed" : "booking.updated";
            case RowOperation::Delete:
                return "booking.deleted";
        }
    }
    return table + "." + words_for(operation).past_tense;
}

namespace {

const nlohmann::json *field(const nlohmann::json &row, const char *name) {
    if (!row.is_object()) return nullptr;
    auto it = row.find(name);
    return it == row.end() ? nullptr : &*it;
}

bool status_changed(const RowEvent &event) {
    if (event.operation != RowOperation::Update) return false;
    const nlohmann::json *now = field(event.record, "status");
    const nlohmann::json *before = field(event.old_record, "status");
    return now != nullptr && before != nullptr && *now != *before;
}

}  // namespace

std::string event_type_for(const RowEvent &event) {
    if (const nlohmann::json *type = field(event.record, "event_type")) {
        if (type->is_string() && !type->get_ref<const std::string &>().empty())
            return type->get<std::string>();
        if (!type->is_null() && !type->is_string()) return type->dump();
        return kDefaultRowEventType;
    }
    return default_event_type(event.table, event.operation, event.is_bookings_table,
                              event.is_bookings_table && status_changed(event));
}

std::optional<std::string> id_text(const nlohmann::json &value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number() || value.is_boolean()) return value.dump();
    return std::nullopt;
}

std::optional<std::string> id_field(const nlohmann::json &row, const char *name) {
    if (const nlohmann::json *value = field(row, name)) return id_text(*value);
    return std::nullopt;
}

std::optional<std::string> id_field(const std::optional<nlohmann::json> &row, const char *name) {
    return row ? id_field(*row, name) : std::nullopt;
}

bool json_holds_nul(const nlohmann::json &value) {
    if (value.is_string())
        return value.get_ref<const std::string &>().find('\0') != std::string::npos;
    if (value.is_array()) {
        for (const nlohmann::json &item : value)
            if (json_holds_nul(item)) return true;
    } else if (value.is_object()) {
        for (auto item = value.begin(); item != value.end(); ++item)
            if (item.key().find('\0') != std::string::npos || json_holds_nul(item.value()))
                return true;
    }
    return false;
}

std::optional<std::string> booking_id_for(const RowEvent &event) {
    if (const nlohmann::json *id = field(event.record, "booking_id")) return id_text(*id);
    if (event.is_bookings_table)
        if (const nlohmann::json *id = field(event.record, "id")) return id_text(*id);
    return std::nullopt;
}

nlohmann::json booking_event_section(RowEvent event, const std::string &event_type) {
    nlohmann::json section = nlohmann::json::object();
    if (const nlohmann::json *id = field(event.record, "id")) section["id"] = *id;
    if (std::optional<std::string> booking_id = booking_id_for(event))
        section["booking_id"] = *booking_id;
    section["event_type"] = event_type;
    for (const char *name : {"description", "user_id", "created_at"})
        if (const nlohmann::json *value = field(event.record, name)) section[name] = *value;
    section["table"] = event.table;
    section["operation"] = operation_name(event.operation);
    if (status_changed(event)) {
        section["old_status"] = *field(event.old_record, "status");
        section["new_status"] = *field(event.record, "status");
    }
    section["record"] = std::move(event.record);
    if (event.operation != RowOperation::Insert && !event.old_record.is_null())
        section["old_record"] = std::move(event.old_record);
    if (event.manual) section["manual"] = true;
    return section;
}

namespace {

nlohmann::json profile_subset(const nlohmann::json &profile, bool with_company) {
    nlohmann::json info = nlohmann::json::object();
    if (const nlohmann::json *id = field(profile, "id")) info["id"] = *id;
    if (const nlohmann::json *name = field(profile, "full_name"); name && !name->is_null())
        info["name"] = *name;
    else if (const nlohmann::json *plain = field(profile, "name"))
        info["name"] = *plain;
    else
        info["name"] = nullptr;
    const nlohmann::json *email = field(profile, "email");
    info["email"] = email ? *email : nlohmann::json(nullptr);
    if (with_company) {
        const nlohmann::json *company = field(profile, "company_name");
        info["company_name"] = company ? *company : nlohmann::json(nullptr);
    }
    return info;
}

}  // namespace

nlohmann::json client_info_from_profile(const nlohmann::json &profile) {
    return profile_subset(profile, false);
}

nlohmann::json provider_info_from_profile(const nlohmann::json &profile) {
    return profile_subset(profile, true);
}

nlohmann::json build_event(const EventContext &context, const std::string &event_type,
                           nlohmann::json booking_event, Enrichment enrichment) {
    nlohmann::json event = nlohmann::json::object();
    event["event_id"] = context.event_id;
    event["event_type"] = event_type;
    const std::string event_time = format_event_time(context.event_time_unix_ms);
    event["event_time"] = event_time;
    event["source"] = context.source;
    event["booking_event"] = std::move(booking_event);
    if (enrichment.booking_details)
        event["booking_details"] = std::move(*enrichment.booking_details);
    if (enrichment.client_info) event["client_info"] = std::move(*enrichment.client_info);
    if (enrichment.provider_info) event["provider_info"] = std::move(*enrichment.provider_info);
    event["system"] = {{"environment", context.environment},
                       {"timestamp", event_time},
                       {"database", context.database},
                       {"version", context.version}};
    return event;
}

namespace {

// Raw bytes travel through nlohmann (which insists on UTF-8) as the code
// points U+0080..U+00FF, one per byte, and are turned back into single bytes
// once the text is written: every non-ASCII character of the output came
// from such a byte.
std::string bytes_as_code_points(const std::string &bytes) {
    std::string utf8;
    utf8.reserve(bytes.size());
    for (unsigned char byte : bytes) {
        if (byte < 0x80) {
            utf8 += static_cast<char>(byte);
        } else {
            utf8 += static_cast<char>(0xC0 | (byte >> 6));
            utf8 += static_cast<char>(0x80 | (byte & 0x3F));
        }
    }
    return utf8;
}

std::string code_points_as_bytes(const std::string &utf8) {
    std::string bytes;
    bytes.reserve(utf8.size());
    for (std::size_t i = 0; i < utf8.size(); ++i) {
        const auto lead = static_cast<unsigned char>(utf8[i]);
        if (lead >= 0xC2 && lead <= 0xC3 && i + 1 < utf8.size()) {
            const auto next = static_cast<unsigned char>(utf8[++i]);
            bytes += static_cast<char>(((lead & 0x03) << 6) | (next & 0x3F));
        } else {
            bytes += static_cast<char>(lead);
        }
    }
    return bytes;
}

nlohmann::json with_bytes_as_code_points(const nlohmann::json &value) {
    if (value.is_string()) return bytes_as_code_points(value.get_ref<const std::string &>());
    if (value.is_array()) {
        nlohmann::json array = nlohmann::json::array();
        for (const nlohmann::json &item : value) array.push_back(with_bytes_as_code_points(item));
        return array;
    }
    if (value.is_object()) {
        nlohmann::json object = nlohmann::json::object();
        for (auto item = value.begin(); item != value.end(); ++item)
            object[bytes_as_code_points(item.key())] = with_bytes_as_code_points(item.value());
        return object;
    }
    return value;
}

}  // namespace

std::string serialize_event(const nlohmann::json &event, TextBytes bytes) {
    if (bytes == TextBytes::Raw)
        return code_points_as_bytes(with_bytes_as_code_points(event).dump(-1, ' ', false));
    return event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string format_uuid_v4(std::array<std::uint8_t, 16> bytes) {
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += kHex[bytes[i] >> 4];
        out += kHex[bytes[i] & 0x0f];
    }
    return out;
}

}  // namespace booking_events
