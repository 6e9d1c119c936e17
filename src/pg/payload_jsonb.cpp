#include "pg/payload_jsonb.hpp"

#include <cstring>
#include <string>

#include "core/json_tokens.hpp"
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

// PostgreSQL side, over plain tokens only (no C++ object is created here).
Datum jsonb_from_tokens(const JsonToken *tokens, std::size_t count) {
    JsonbParseState *state = nullptr;
    JsonbValue *result = nullptr;
    for (std::size_t i = 0; i < count; ++i) {
        const JsonToken &token = tokens[i];
        const JsonbIteratorToken container = container_token(token.kind);
        if (container != WJB_DONE) {
            result = pushJsonbValue(&state, container, nullptr);
        } else if (token.kind == JsonTokenKind::Key) {
            JsonbValue key = string_value(token);
            result = pushJsonbValue(&state, WJB_KEY, &key);
        } else {
            JsonbValue scalar = scalar_value(token);
            result = pushJsonbValue(&state, token.in_array ? WJB_ELEM : WJB_VALUE, &scalar);
        }
    }
    return JsonbPGetDatum(JsonbValueToJsonb(result));
}

}  // namespace

Datum event_to_jsonb(const nlohmann::json &event, TextBytes bytes) {
    JsonTokens tokens;
    tokenize_json(event, bytes, &tokens);
    Datum payload = (Datum)0;
    if (tokens.direct) {
        const JsonToken *first = tokens.tokens.data();
        const std::size_t count = tokens.tokens.size();
        pg_call([&] { payload = jsonb_from_tokens(first, count); });
        return payload;
    }
    const std::string body = serialize_event(event, bytes);
    pg_call([&] {
        payload = DirectFunctionCall1(jsonb_in,
                                      CStringGetDatum(utf8_to_server(body.c_str(), body.size())));
    });
    return payload;
}

}  // namespace booking_events
