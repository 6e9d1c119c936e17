#include "core/json_tokens.hpp"

#include <cmath>
#include <cstring>

namespace booking_events {

namespace {

class Tokenizer {
  public:
    Tokenizer(TextBytes bytes, JsonTokens *out) : bytes_(bytes), out_(out) {}

    void container(const nlohmann::json &value) {
        if (value.is_object()) {
            push(JsonTokenKind::BeginObject, false);
            for (auto item = value.begin(); item != value.end(); ++item) {
                text(JsonTokenKind::Key, item.key(), false);
                element(item.value(), false);
            }
            push(JsonTokenKind::EndObject, false);
        } else {
            push(JsonTokenKind::BeginArray, false);
            for (const nlohmann::json &item : value) element(item, true);
            push(JsonTokenKind::EndArray, false);
        }
    }

  private:
    void element(const nlohmann::json &value, bool in_array) {
        switch (value.type()) {
            case nlohmann::json::value_t::object:
            case nlohmann::json::value_t::array:
                container(value);
                return;
            case nlohmann::json::value_t::string:
                text(JsonTokenKind::String, value.get_ref<const std::string &>(), in_array);
                return;
            case nlohmann::json::value_t::boolean:
                push(JsonTokenKind::Bool, in_array).boolean = value.get<bool>();
                return;
            case nlohmann::json::value_t::number_integer:
                push(JsonTokenKind::Integer, in_array).integer = value.get<std::int64_t>();
                return;
            case nlohmann::json::value_t::number_unsigned:
            case nlohmann::json::value_t::number_float:
                // The number as written: serialize_event writes a NaN or an
                // infinity as null.
                if (value.is_number_float() && !std::isfinite(value.get<double>())) break;
                number(value.dump(), in_array);
                return;
            default:
                break;
        }
        push(JsonTokenKind::Null, in_array);
    }

    JsonToken &push(JsonTokenKind kind, bool in_array) {
        JsonToken &token = out_->tokens.emplace_back();
        token.kind = kind;
        token.in_array = in_array;
        return token;
    }

    void text(JsonTokenKind kind, const std::string &value, bool in_array) {
        append_text_token(kind, value.data(), value.size(), in_array, bytes_, out_);
    }

    void number(std::string written, bool in_array) {
        const std::string &kept = out_->kept_texts.emplace_back(std::move(written));
        JsonToken &token = push(JsonTokenKind::NumberText, in_array);
        token.text = kept.data();
        token.length = kept.size();
    }

    TextBytes bytes_;
    JsonTokens *out_;
};

}  // namespace

void tokenize_json(const nlohmann::json &value, TextBytes bytes, JsonTokens *out) {
    Tokenizer(bytes, out).container(value);
}

void append_text_token(JsonTokenKind kind, const char *text, std::size_t length, bool in_array,
                       TextBytes bytes, JsonTokens *out) {
    if (std::memchr(text, '\0', length) != nullptr ||
        (bytes == TextBytes::Utf8 && !is_valid_utf8(text, length)))
        out->direct = false;
    JsonToken &token = out->tokens.emplace_back();
    token.kind = kind;
    token.in_array = in_array;
    token.text = text;
    token.length = length;
}

bool read_json_number(const char *text, std::size_t length, JsonNumber *out) {
    const nlohmann::json value = nlohmann::json::parse(text, text + length, nullptr, false);
    if (value.is_number_integer() && !value.is_number_unsigned()) {
        out->is_integer = true;
        out->integer = value.get<std::int64_t>();
        return true;
    }
    if (!value.is_number()) return false;
    const std::string written = value.dump();
    if (written.size() >= sizeof out->written) return false;
    out->is_integer = false;
    std::memcpy(out->written, written.c_str(), written.size() + 1);
    return true;
}

}  // namespace booking_events
