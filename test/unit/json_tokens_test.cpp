// The token sequence the trigger turns into jsonb: it must describe the
// value jsonb_in reads from serialize_event's text, and send to the text
// path what that path treats specially.
#include "core/json_tokens.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace booking_events {
namespace {

using json = nlohmann::json;

// How describe() writes each kind; a key, string, number or boolean follows its prefix.
const std::map<JsonTokenKind, std::string> kPrefixes = {
    {JsonTokenKind::BeginObject, "{"}, {JsonTokenKind::EndObject, "}"},
    {JsonTokenKind::BeginArray, "["},  {JsonTokenKind::EndArray, "]"},
    {JsonTokenKind::Key, "k:"},        {JsonTokenKind::Null, "null"},
    {JsonTokenKind::Bool, ""},         {JsonTokenKind::Integer, "i:"},
    {JsonTokenKind::NumberText, "n:"}, {JsonTokenKind::String, "s:"},
};

std::string describe(const JsonTokens &tokens) {
    std::string out;
    for (const JsonToken &token : tokens.tokens) {
        if (!out.empty()) out += ' ';
        if (token.in_array) out += '@';
        out += kPrefixes.at(token.kind);
        if (token.kind == JsonTokenKind::Bool)
            out += token.boolean ? "true" : "false";
        else if (token.kind == JsonTokenKind::Integer)
            out += std::to_string(token.integer);
        else if (token.kind == JsonTokenKind::Key || token.kind == JsonTokenKind::NumberText ||
                 token.kind == JsonTokenKind::String)
            out += std::string(token.text, token.length);
    }
    return out;
}

TEST(JsonTokensTest, ObjectsArraysAndScalarsInOrder) {
    const json value = json::parse(R"({"b": [1, "x", null, true, {"c": false}], "a": -7})");
    JsonTokens tokens;
    tokenize_json(value, TextBytes::Utf8, &tokens);
    EXPECT_TRUE(tokens.direct);
    EXPECT_EQ(describe(tokens), "{ k:a i:-7 k:b [ @n:1 @s:x @null @true { k:c false } ] }");
}

TEST(JsonTokensTest, NumbersAreWrittenAsTheTextPathWritesThem) {
    json value = json::array();
    value.push_back(0.1);
    value.push_back(1e100);
    value.push_back(1.0);
    value.push_back(static_cast<std::uint64_t>(18446744073709551615ULL));
    value.push_back(static_cast<std::int64_t>(-9223372036854775807LL - 1));
    JsonTokens tokens;
    tokenize_json(value, TextBytes::Utf8, &tokens);
    EXPECT_EQ(describe(tokens),
              "[ @n:0.1 @n:1e+100 @n:1.0 @n:18446744073709551615 @i:-9223372036854775808 ]");
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_EQ(std::string(tokens.tokens[i + 1].text, tokens.tokens[i + 1].length),
                  value[i].dump());
}

TEST(JsonTokensTest, NonFiniteNumbersAreNullAsInTheText) {
    json value = json::object();
    value["nan"] = std::nan("");
    value["inf"] = std::numeric_limits<double>::infinity();
    JsonTokens tokens;
    tokenize_json(value, TextBytes::Utf8, &tokens);
    EXPECT_EQ(value.dump(), R"({"inf":null,"nan":null})");
    EXPECT_EQ(describe(tokens), "{ k:inf null k:nan null }");
}

TEST(JsonTokensTest, StringsKeepTheirBytesAndPointIntoTheTree) {
    const json value = {{"q", "say \"hi\"\n\u00e9\U0001F600"}};
    JsonTokens tokens;
    tokenize_json(value, TextBytes::Utf8, &tokens);
    EXPECT_TRUE(tokens.direct);
    EXPECT_EQ(tokens.tokens[2].text, value["q"].get_ref<const std::string &>().data());
    EXPECT_EQ(std::string(tokens.tokens[2].text, tokens.tokens[2].length),
              "say \"hi\"\n\u00e9\U0001F600");
}

TEST(JsonTokensTest, NulOrInvalidUtf8TakesTheTextPath) {
    JsonTokens nul_value;
    tokenize_json({{"a", std::string("x\0y", 3)}}, TextBytes::Utf8, &nul_value);
    EXPECT_FALSE(nul_value.direct);
    JsonTokens nul_key;
    tokenize_json({{std::string("k\0", 2), 1}}, TextBytes::Raw, &nul_key);
    EXPECT_FALSE(nul_key.direct);
    JsonTokens invalid;
    tokenize_json(json::array({"caf\xE9"}), TextBytes::Utf8, &invalid);
    EXPECT_FALSE(invalid.direct);
    // SQL_ASCII's bytes are carried unchanged by both paths.
    JsonTokens raw;
    tokenize_json(json::array({"caf\xE9"}), TextBytes::Raw, &raw);
    EXPECT_TRUE(raw.direct);
}

TEST(Utf8ValidityTest, AcceptsWellFormedAndRefusesWhatDumpWouldReplace) {
    for (const char *good : {"", "ascii", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                             "\xED\x9F\xBF", "\xF4\x8F\xBF\xBF"}) {
        EXPECT_TRUE(is_valid_utf8(good, std::strlen(good))) << good;
        EXPECT_NO_THROW(json(good).dump()) << good;
    }
    for (const char *bad :
         {"\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF0\x80\x80\xAF",
          "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xC3", "\xE2\x82", "\xFF"}) {
        EXPECT_FALSE(is_valid_utf8(bad, std::strlen(bad))) << bad;
        EXPECT_THROW(json(bad).dump(), json::type_error) << bad;
    }
}

}  // namespace
}  // namespace booking_events
