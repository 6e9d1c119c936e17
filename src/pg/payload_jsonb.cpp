#include "pg/payload_jsonb.hpp"

#include <cstring>
#include <string>

#include "core/json_tokens.hpp"
#include "core/jsonb_key_order.hpp"
#include "pg/boundary.hpp"
#include "pg/encoding.hpp"

namespace booking_events {

namespace {

// PostgreSQL side: a string or key in the database encoding.
JsonbValue string_value(const JsonToken &token) {
    JsonbValue value;
    value.type = jbvString;
    const char *server = utf8_to_server(token.text, token.length);
    value.val.string.val = const_cast<char *>(server);
    value.val.string.len =
        static_cast<int>(server == token.text ? token.length : std::strlen(server));
    return value;
}

// PostgreSQL side: the scalar a token holds.
JsonbValue scalar_value(const JsonToken &token) {
    JsonbValue value;
    switch (token.kind) {
        case JsonTokenKind::Bool:
            value.type = jbvBool;
            value.val.boolean = token.boolean;
            break;
        case JsonTokenKind::Integer:
            value.type = jbvNumeric;
            value.val.numeric = int64_to_numeric(token.integer);
            break;
        case JsonTokenKind::NumberText:
            // numeric_in of the written text: the value (and scale) jsonb_in
            // would have read.
            value.type = jbvNumeric;
            value.val.numeric = DatumGetNumeric(
                DirectFunctionCall3(numeric_in, CStringGetDatum(pnstrdup(token.text, token.length)),
                                    ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
            break;
        case JsonTokenKind::String:
            return string_value(token);
        default:
            value.type = jbvNull;
            break;
    }
    return value;
}

// The jsonb token that opens or closes a container; WJB_DONE for any other kind.
JsonbIteratorToken container_token(JsonTokenKind kind) {
    switch (kind) {
        case JsonTokenKind::BeginObject:
            return WJB_BEGIN_OBJECT;
        case JsonTokenKind::EndObject:
            return WJB_END_OBJECT;
        case JsonTokenKind::BeginArray:
            return WJB_BEGIN_ARRAY;
        case JsonTokenKind::EndArray:
            return WJB_END_ARRAY;
        default:
            return WJB_DONE;
    }
}

// PostgreSQL side: a number of a jsonb column's object or array, as the
// reference path reads it back from the column's text (read_json_number);
// false when it is one that path carries differently.
bool json_number_value(Numeric number, JsonbValue *value) {
    const char *text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(number)));
    JsonNumber read;
    if (!read_json_number(text, strlen(text), &read)) return false;
    value->type = jbvNumeric;
    value->val.numeric =
        read.is_integer
            ? int64_to_numeric(read.integer)
            : DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(read.written),
                                                  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
    return true;
}

// PostgreSQL side: a jsonb object or array pushed as the value at hand;
// false when one of its numbers needs the reference path.
bool push_container(JsonbParseState **state, const Jsonb *jsonb, JsonbValue **result) {
    JsonbIterator *iterator = JsonbIteratorInit(const_cast<JsonbContainer *>(&jsonb->root));
    JsonbValue value;
    JsonbIteratorToken token;
    while ((token = JsonbIteratorNext(&iterator, &value, false)) != WJB_DONE) {
        if (token != WJB_KEY && token != WJB_VALUE && token != WJB_ELEM) {
            *result = pushJsonbValue(state, token, nullptr);
            continue;
        }
        if (value.type == jbvNumeric && !json_number_value(value.val.numeric, &value)) return false;
        *result = pushJsonbValue(state, token, &value);
    }
    return true;
}

// PostgreSQL side, over plain tokens only (no C++ object is created here),
// pushed in the order of `order`. False when an Opaque token's value needs
// the reference path.
bool jsonb_from_tokens(const JsonToken *tokens, const std::uint32_t *order, std::size_t count,
                       Datum *payload) {
    JsonbParseState *state = nullptr;
    JsonbValue *result = nullptr;
    for (std::size_t i = 0; i < count; ++i) {
        const JsonToken &token = tokens[order[i]];
        const JsonbIteratorToken container = container_token(token.kind);
        if (container != WJB_DONE) {
            result = pushJsonbValue(&state, container, nullptr);
        } else if (token.kind == JsonTokenKind::Key) {
            JsonbValue key = string_value(token);
            result = pushJsonbValue(&state, WJB_KEY, &key);
        } else if (token.kind == JsonTokenKind::Opaque) {
            if (!push_container(&state, static_cast<const Jsonb *>(token.opaque), &result))
                return false;
        } else {
            JsonbValue scalar = scalar_value(token);
            result = pushJsonbValue(&state, token.in_array ? WJB_ELEM : WJB_VALUE, &scalar);
        }
    }
    *payload = JsonbPGetDatum(JsonbValueToJsonb(result));
    return true;
}

}  // namespace

bool payload_tokens_to_jsonb(const JsonTokens &tokens, Datum *payload) {
    // Pushed in jsonb's key order, which pushJsonbValue's sort then only
    // checks; kept for the backend's life: the key orders of the tables' rows.
    static JsonbMemberOrder member_order;
    const std::uint32_t *order = member_order.in_jsonb_order(tokens.tokens).data();
    const JsonToken *first = tokens.tokens.data();
    const std::size_t count = tokens.tokens.size();
    bool built = false;
    pg_call([&] { built = jsonb_from_tokens(first, order, count, payload); });
    return built;
}

Datum event_to_jsonb(const nlohmann::json &event, TextBytes bytes) {
    JsonTokens tokens;
    tokenize_json(event, bytes, &tokens);
    Datum payload = (Datum)0;
    if (tokens.direct && payload_tokens_to_jsonb(tokens, &payload)) return payload;
    const std::string body = serialize_event(event, bytes);
    pg_call([&] {
        payload = DirectFunctionCall1(jsonb_in,
                                      CStringGetDatum(utf8_to_server(body.c_str(), body.size())));
    });
    return payload;
}

}  // namespace booking_events
