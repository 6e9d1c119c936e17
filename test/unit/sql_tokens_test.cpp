#include "core/sql_tokens.hpp"

#include <gtest/gtest.h>

namespace booking_events {
namespace {

SqlTokens tokens_of(std::string_view sql, bool standard_strings = true) {
    return tokenize_sql(sql, standard_strings, std::pmr::get_default_resource());
}

// The decoded texts of the tokens of one kind.
std::vector<std::string> texts(std::string_view sql, SqlTokenKind kind,
                               bool standard_strings = true) {
    std::vector<std::string> out;
    for (const SqlToken &token : tokens_of(sql, standard_strings).tokens)
        if (token.kind == kind) out.emplace_back(token.text);
    return out;
}

using Texts = std::vector<std::string>;

TEST(SqlTokensTest, WordsAreLowerCasedAndQuotedNamesDecoded) {
    EXPECT_EQ(texts(R"(SET Booking_Events."Api""Key" = 1)", SqlTokenKind::word),
              (Texts{"set", "booking_events"}));
    EXPECT_EQ(texts(R"(SET Booking_Events."Api""Key" = 1)", SqlTokenKind::quoted_identifier),
              (Texts{"Api\"Key"}));
}

TEST(SqlTokensTest, StringsOfEveryKindAreDecoded) {
    EXPECT_EQ(texts("SELECT 'it''s', E'a\\'b\\x41\\101\\u00e9\\n', N'n'", SqlTokenKind::string),
              (Texts{"it's", "a'bAA\xc3\xa9\n", "n"}));
    EXPECT_EQ(texts("SELECT U&'\\0061b\\+000063', U&'!0064' UESCAPE '!'", SqlTokenKind::string),
              (Texts{"abc", "d"}));
    EXPECT_EQ(texts("SELECT $$a 'b'$$, $t$x$$y$t$", SqlTokenKind::dollar_string),
              (Texts{"a 'b'", "x$$y"}));
    EXPECT_EQ(texts("SELECT B'0101', X'ff'", SqlTokenKind::bit_string), (Texts{"0101", "ff"}));
}

TEST(SqlTokensTest, UnicodeIdentifiersWithUescapeAreDecoded) {
    const SqlTokens tokens = tokens_of("x.U&\"!0061pi!005fkey\" UESCAPE '!' = 1");
    ASSERT_EQ(tokens.tokens.size(), 5u);
    EXPECT_EQ(tokens.tokens[2].kind, SqlTokenKind::quoted_identifier);
    EXPECT_EQ(tokens.tokens[2].text, "api_key");
    EXPECT_EQ(tokens.tokens[3].text, "=");  // the UESCAPE clause belongs to the name
}

TEST(SqlTokensTest, StringsContinueOnTheNextLineOnly) {
    EXPECT_EQ(texts("SELECT 'abc'\n  -- note\n 'def'", SqlTokenKind::string), (Texts{"abcdef"}));
    EXPECT_EQ(texts("SELECT 'abc' 'def'", SqlTokenKind::string), (Texts{"abc", "def"}));
}

TEST(SqlTokensTest, CommentsNestAndSeparateNames) {
    const SqlTokens tokens = tokens_of("a./* x /* y */ z */b -- c\n");
    EXPECT_EQ(texts("a./* x /* y */ z */b -- c\n", SqlTokenKind::word), (Texts{"a", "b"}));
    EXPECT_EQ(texts("a./* x /* y */ z */b -- c\n", SqlTokenKind::comment),
              (Texts{"/* x /* y */ z */", "-- c"}));
    EXPECT_TRUE(tokens.reliable);
}

TEST(SqlTokensTest, ParametersNumbersAndPunctuation) {
    EXPECT_EQ(texts("f($1, 12.5e+3, 42abc)", SqlTokenKind::parameter), (Texts{"$1"}));
    EXPECT_EQ(texts("f($1, 12.5e+3, 42abc)", SqlTokenKind::number), (Texts{"12.5e+3", "42abc"}));
}

TEST(SqlTokensTest, WhatTheServerMightReadDifferentlyIsUnreliable) {
    EXPECT_FALSE(tokens_of("SELECT 'open").reliable);
    EXPECT_FALSE(tokens_of("SELECT $$open").reliable);
    EXPECT_FALSE(tokens_of("SELECT /* open").reliable);
    EXPECT_FALSE(tokens_of("SELECT \"open").reliable);
    EXPECT_FALSE(tokens_of("SELECT 'a\\'").reliable);  // standard_conforming_strings decides
    EXPECT_TRUE(tokens_of("SELECT E'a\\'', 'b'").reliable);
    EXPECT_EQ(texts("SELECT 'a\\'b'", SqlTokenKind::string, false), (Texts{"a'b"}));
}

TEST(SqlTokensTest, TokensKnowWhereTheyAreWritten) {
    const std::string_view sql = "SET x = E'v'";
    const SqlTokens tokens = tokens_of(sql);
    ASSERT_EQ(tokens.tokens.size(), 4u);
    EXPECT_EQ(sql.substr(tokens.tokens[3].begin, tokens.tokens[3].end - tokens.tokens[3].begin),
              "E'v'");
}

}  // namespace
}  // namespace booking_events
