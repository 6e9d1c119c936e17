// Object members reordered the way jsonb stores keys, so that PostgreSQL's
// sort of each object's keys finds them in order: the same members, values
// with their keys, arrays untouched, each key set's order computed once.
#include "core/jsonb_key_order.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/event_payload_layout.hpp"
#include "support/example_event.hpp"

namespace booking_events {
namespace {

using json = nlohmann::json;

bool before(const std::string &a, const std::string &b) {
    return jsonb_key_before(a.data(), a.size(), b.data(), b.size());
}

// The tokens as text: brackets, keys, strings and numbers with their bytes,
// other scalars as x.
std::string describe(const std::vector<JsonToken> &tokens) {
    static const std::map<JsonTokenKind, char> kBrackets = {
        {JsonTokenKind::BeginObject, '{'},
        {JsonTokenKind::EndObject, '}'},
        {JsonTokenKind::BeginArray, '['},
        {JsonTokenKind::EndArray, ']'},
    };
    std::string out;
    for (const JsonToken &token : tokens) {
        const std::string text = token.text != nullptr ? std::string(token.text, token.length) : "";
        if (kBrackets.count(token.kind) != 0)
            out += kBrackets.at(token.kind);
        else if (token.kind == JsonTokenKind::Key)
            out += text + ':';
        else if (token.kind == JsonTokenKind::String)
            out += '"' + text + '"';
        else if (token.kind == JsonTokenKind::NumberText)
            out += text;
        else
            out += token.kind == JsonTokenKind::Integer ? std::to_string(token.integer) : "x";
        out += ' ';
    }
    return out;
}

// The tokens in the order in_jsonb_order gives, each index once.
std::vector<JsonToken> pushed(JsonbMemberOrder &order, const std::vector<JsonToken> &tokens) {
    const std::vector<std::uint32_t> &indices = order.in_jsonb_order(tokens);
    std::vector<JsonToken> out;
    std::vector<bool> seen(tokens.size());
    for (std::uint32_t index : indices) {
        EXPECT_FALSE(seen.at(index));
        seen.at(index) = true;
        out.push_back(tokens.at(index));
    }
    EXPECT_EQ(out.size(), tokens.size());
    return out;
}

// Whether every object's keys come in jsonb's order, none equal.
bool objects_in_jsonb_order(const std::vector<JsonToken> &tokens) {
    std::vector<std::vector<std::string>> open;  // an object's keys so far; none for an array
    for (const JsonToken &token : tokens) {
        if (token.kind == JsonTokenKind::BeginObject || token.kind == JsonTokenKind::BeginArray) {
            open.emplace_back();
        } else if (token.kind == JsonTokenKind::EndObject ||
                   token.kind == JsonTokenKind::EndArray) {
            open.pop_back();
        } else if (token.kind == JsonTokenKind::Key) {
            std::string key(token.text, token.length);
            if (!open.back().empty() && !before(open.back().back(), key)) return false;
            open.back().push_back(std::move(key));
        }
    }
    return true;
}

TEST(JsonbKeyOrderTest, ShorterKeysFirstThenBytewise) {
    // In jsonb's order. Bytes, not characters: "é" and "ü" are two bytes
    // and come before "aaa", their lead byte 0xC3 after 'z' (unsigned);
    // "日" is three.
    const std::vector<std::string> keys = {
        "", "a", "ab", "ac", "zz", "\xC3\xA9", "\xC3\xBC", "aaa", "abc", "\xE6\x97\xA5", "abcd"};
    for (std::size_t i = 0; i < keys.size(); ++i) {
        EXPECT_FALSE(before(keys[i], keys[i])) << keys[i];
        for (std::size_t j = i + 1; j < keys.size(); ++j) {
            EXPECT_TRUE(before(keys[i], keys[j])) << keys[i] << " / " << keys[j];
            EXPECT_FALSE(before(keys[j], keys[i])) << keys[j] << " / " << keys[i];
        }
    }
}

TEST(JsonbKeyOrderTest, EveryObjectNestedOrInArraysIsOrdered) {
    const json value = json::parse(R"({
        "source": "s", "id": 1, "event_type": "t", "ü": 2, "日": 3, "zz": 4, "abcd": 5,
        "record": {"status": "new", "id": 7, "booking_id": "b", "x": null},
        "list": [3, {"bb": 1, "a": 2}, [ {"ccc": 1, "dd": 2} ], "s"]
    })");
    JsonTokens tokens;
    tokenize_json(value, TextBytes::Utf8, &tokens);
    ASSERT_FALSE(objects_in_jsonb_order(tokens.tokens));  // nlohmann's order is bytewise
    JsonbMemberOrder order;
    const std::vector<JsonToken> ordered = pushed(order, tokens.tokens);
    EXPECT_TRUE(objects_in_jsonb_order(ordered));
    EXPECT_EQ(describe(ordered),
              "{ id: 1 zz: 4 \xC3\xBC: 2 \xE6\x97\xA5: 3 abcd: 5 list: [ 3 { a: 2 bb: 1 } "
              "[ { dd: 2 ccc: 1 } ] \"s\" ] "
              "record: { x: x id: 7 status: \"new\" booking_id: \"b\" } "
              "source: \"s\" event_type: \"t\" } ");
    EXPECT_EQ(ordered.size(), tokens.tokens.size());
}

TEST(JsonbKeyOrderTest, EachKeySetIsOrderedOnceAndRowsKeepTheirValues) {
    struct Row {
        json value;
        const char *pushed;
        std::size_t kept_orders;  // after this row
    };
    // Rows in turn: the same keys again (whatever their values' kinds) reuse
    // the order kept; other keys, even of the same lengths, are ordered anew.
    const Row rows[] = {
        {{{"total", 1}, {"id", 2}, {"status", "a"}}, "{ id: 2 total: 1 status: \"a\" } ", 1},
        {{{"total", 10}, {"id", 20}, {"status", "b"}}, "{ id: 20 total: 10 status: \"b\" } ", 1},
        {{{"total", 10}, {"id", 20}, {"state", "b"}}, "{ id: 20 state: \"b\" total: 10 } ", 2},
        {{{"total", nullptr}, {"id", "x"}, {"state", true}}, "{ id: \"x\" state: x total: x } ", 2},
        {{{"total", 1}, {"id", 2}, {"aaaaa", 3}}, "{ id: 2 aaaaa: 3 total: 1 } ", 3},
    };
    JsonbMemberOrder order;
    for (const Row &row : rows) {
        JsonTokens tokens;
        tokenize_json(row.value, TextBytes::Utf8, &tokens);
        EXPECT_EQ(describe(pushed(order, tokens.tokens)), row.pushed);
        EXPECT_EQ(order.kept_orders(), row.kept_orders);
    }
}

TEST(JsonbKeyOrderTest, EqualKeysKeepTheirOrder) {
    // jsonb keeps the last of equal keys, so their order must not change.
    JsonTokens tokens;
    const char *keys[] = {"bb", "a", "bb"};
    tokens.tokens.push_back(JsonToken{JsonTokenKind::BeginObject});
    for (int i = 0; i < 3; ++i) {
        append_text_token(JsonTokenKind::Key, keys[i], std::char_traits<char>::length(keys[i]),
                          false, TextBytes::Utf8, &tokens);
        JsonToken value;
        value.kind = JsonTokenKind::Integer;
        value.integer = i;
        tokens.tokens.push_back(value);
    }
    tokens.tokens.push_back(JsonToken{JsonTokenKind::EndObject});
    JsonbMemberOrder order;
    EXPECT_EQ(describe(pushed(order, tokens.tokens)), "{ a: 1 bb: 0 bb: 2 } ");
}

TEST(JsonbKeyOrderTest, UnbalancedTokensComeBackUnchanged) {
    JsonTokens tokens;
    const json value = {{"b", 1}, {"a", 2}};
    tokenize_json(value, TextBytes::Utf8, &tokens);
    tokens.tokens.pop_back();
    JsonbMemberOrder order;
    const std::vector<std::uint32_t> &indices = order.in_jsonb_order(tokens.tokens);
    ASSERT_EQ(indices.size(), tokens.tokens.size());
    for (std::size_t i = 0; i < indices.size(); ++i) EXPECT_EQ(indices[i], i);
}

TEST(JsonbKeyOrderTest, TheTriggersPayloadIsInOrder) {
    std::vector<PayloadColumn> columns(3);
    columns[0].name = "status";
    columns[1].name = "booking_id";
    columns[2].name = "id";
    columns[0].value.kind = PayloadValueKind::String;
    columns[0].value.text = "new";
    columns[0].value.length = 3;
    columns[1].value.kind = PayloadValueKind::Integer;
    columns[2].value.kind = PayloadValueKind::Integer;
    PayloadEvent event;
    event.table = "booking_events";
    event.record = PayloadRow{columns.data(), columns.size()};
    PayloadEnrichment enrichment;
    enrichment.booking_details = &event.record;
    enrichment.client_profile = &event.record;
    JsonTokens tokens;
    ASSERT_TRUE(layout_event(test_support::example_context(), "booking.created", "1", event,
                             enrichment, &tokens));
    ASSERT_FALSE(objects_in_jsonb_order(tokens.tokens));
    JsonbMemberOrder order;
    const std::vector<JsonToken> ordered = pushed(order, tokens.tokens);
    EXPECT_TRUE(objects_in_jsonb_order(ordered));
    EXPECT_EQ(ordered.size(), tokens.tokens.size());
}

}  // namespace
}  // namespace booking_events
