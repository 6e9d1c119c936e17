#include "core/utf8.hpp"

#include <gtest/gtest.h>

#include <utility>

#include <nlohmann/json.hpp>

namespace booking_events {
namespace {

TEST(Utf8ReplacementTest, ValidTextComesBackUnchanged) {
    for (const char *good : {"", "{\"a\": 1}", "caf\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"})
        EXPECT_EQ(with_invalid_utf8_replaced(good), good);
}

// Bytes of a SQL_ASCII database: each byte that starts no well-formed
// sequence is one U+FFFD, the rest stays, and a JSON parser takes the result.
TEST(Utf8ReplacementTest, EachBadByteBecomesOneReplacementCharacter) {
    const std::pair<const char *, const char *> cases[] = {
        {"caf\xE9 \xFF\xFE!", "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD!"},
        {"\xE2\x82", "\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xED\xA0\x80x", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx"},
        {"\xC3\xA9\x80\xC3\xA9", "\xC3\xA9\xEF\xBF\xBD\xC3\xA9"},
    };
    for (const auto &[bytes, replaced] : cases)
        EXPECT_EQ(with_invalid_utf8_replaced(bytes), replaced) << bytes;
    const std::string json_text = "{\"description\": \"caf\xE9\"}";
    EXPECT_TRUE(nlohmann::json::parse(json_text, nullptr, false).is_discarded());
    const nlohmann::json parsed =
        nlohmann::json::parse(with_invalid_utf8_replaced(json_text), nullptr, false);
    ASSERT_FALSE(parsed.is_discarded());
    EXPECT_EQ(parsed["description"], "caf\xEF\xBF\xBD");
}

}  // namespace
}  // namespace booking_events
