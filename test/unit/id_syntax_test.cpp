#include "core/id_syntax.hpp"

#include <gtest/gtest.h>

#include <string>

using booking_events::id_matches_syntax;
using booking_events::IdSyntax;

TEST(IdSyntaxTest, IntegersWithinTheirTypesRange) {
    EXPECT_TRUE(id_matches_syntax("32767", IdSyntax::Int16));
    EXPECT_FALSE(id_matches_syntax("32768", IdSyntax::Int16));
    EXPECT_TRUE(id_matches_syntax("-32768", IdSyntax::Int16));
    EXPECT_TRUE(id_matches_syntax("2147483647", IdSyntax::Int32));
    EXPECT_FALSE(id_matches_syntax("2147483648", IdSyntax::Int32));
    EXPECT_TRUE(id_matches_syntax("9223372036854775807", IdSyntax::Int64));
    EXPECT_TRUE(id_matches_syntax("-9223372036854775808", IdSyntax::Int64));
    EXPECT_FALSE(id_matches_syntax("9223372036854775808", IdSyntax::Int64));
    EXPECT_FALSE(id_matches_syntax("-9223372036854775809", IdSyntax::Int64));
    EXPECT_FALSE(id_matches_syntax("99999999999999999999", IdSyntax::Int64));
}

TEST(IdSyntaxTest, IntegersMustBeDigits) {
    for (const char *bad : {"", "-", "1.5", "1e3", "abc", "12a", "--1"})
        EXPECT_FALSE(id_matches_syntax(bad, IdSyntax::Int64)) << bad;
}

TEST(IdSyntaxTest, UuidFormsPostgresAccepts) {
    EXPECT_TRUE(id_matches_syntax("33333333-3333-3333-3333-333333333333", IdSyntax::Uuid));
    EXPECT_TRUE(id_matches_syntax("33333333333333333333333333333333", IdSyntax::Uuid));
    EXPECT_TRUE(id_matches_syntax("{33333333-3333-3333-3333-333333333333}", IdSyntax::Uuid));
    EXPECT_TRUE(id_matches_syntax("3333-3333-3333-3333-3333-3333-3333-3333", IdSyntax::Uuid));
}

TEST(IdSyntaxTest, UuidHyphensOnlyBetweenGroupsOfFour) {
    // Each of these once reached uuid_in and failed the application's INSERT.
    for (const char *bad :
         {"-00000000000000000000000000000000", "00000000000000000000000000000000-",
          "000-00000000000000000000000000000", "0000--0000000000000000000000000000",
          "0000000000000000000000000000000", "{33333333333333333333333333333333",
          "0000000000000000000000000000000g"})
        EXPECT_FALSE(id_matches_syntax(bad, IdSyntax::Uuid)) << bad;
}

TEST(IdSyntaxTest, TextAnythingButNul) {
    EXPECT_TRUE(id_matches_syntax("any id at all", IdSyntax::Text));
    EXPECT_FALSE(id_matches_syntax(std::string("a\0b", 3), IdSyntax::Text));
    EXPECT_FALSE(id_matches_syntax("1", IdSyntax::Unsupported));
}
