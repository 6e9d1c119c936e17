#include "core/secret_values.hpp"

#include <gtest/gtest.h>

namespace booking_events {
namespace {

std::pmr::memory_resource *memory() { return std::pmr::get_default_resource(); }

std::string hidden(std::string_view text, std::string_view setting, std::string_view value) {
    std::pmr::vector<SecretPiece> pieces(memory());
    add_secret_pieces(setting, value, pieces);
    auto out = hide_secret_values(text, pieces, memory());
    return out ? std::string(*out) : std::string(text);
}

TEST(SecretValuesTest, TheValueIsHiddenWherever) {
    EXPECT_EQ(hidden("a k-7f3a9c b k-7f3a9c", "booking_events.api_key", "k-7f3a9c"), "a *** b ***");
    EXPECT_EQ(hidden("x=\"key\n\"", "booking_events.api_key", "key\n"), "x=\"***\"");
}

TEST(SecretValuesTest, RunsOfEightBytesAreHiddenToo) {
    // Cut by log_parameter_max_length, or escaped in the middle.
    EXPECT_EQ(hidden("$1 = 'make-api-key...'", "booking_events.api_key", "make-api-key-7f3a9c"),
              "$1 = '***...'");
    EXPECT_EQ(hidden("E'secretke\\x79'", "booking_events.api_key", "secretkey"), "E'***\\x79'");
    EXPECT_EQ(hidden("make-ap", "booking_events.api_key", "make-api-key-7f3a9c"), "make-ap");
}

TEST(SecretValuesTest, ShortValuesAreNotSearchedFor) {
    EXPECT_EQ(hidden("abc abc", "booking_events.api_key", "abc"), "abc abc");
}

TEST(SecretValuesTest, AUrlKeepsItsOriginButNotItsCredentials) {
    const std::string url = "https://hookuser:pa55word@hook.eu1.make.com/abcdef123456?token=t0k3n";
    EXPECT_EQ(hidden("delivering to https://hook.eu1.make.com", "booking_events.webhook_url", url),
              "delivering to https://hook.eu1.make.com");
    EXPECT_EQ(hidden("user hookuser:pa55word", "booking_events.webhook_url", url), "user ***");
    EXPECT_EQ(hidden("path /abcdef123456?tok", "booking_events.webhook_url", url), "path ***");
    EXPECT_EQ(hidden(url, "booking_events.webhook_url", url), "***");
}

TEST(SecretValuesTest, AUrlThatIsOnlyAnOriginIsNoSecret) {
    EXPECT_EQ(hidden("delivering to http://127.0.0.1:5432", "booking_events.webhook_url",
                     "http://127.0.0.1:5432"),
              "delivering to http://127.0.0.1:5432");
    EXPECT_EQ(hidden("to http://u:pw12@h/x", "booking_events.webhook_url", "http://u:pw12@h/x"),
              "to ***");
    EXPECT_EQ(hidden("u:pw12 again", "booking_events.webhook_url", "http://u:pw12@h/x"),
              "*** again");
}

TEST(SecretValuesTest, EachRotatedSigningSecretIsHidden) {
    EXPECT_EQ(hidden("old whsec_b2xkLXNlY3JldA== new", "booking_events.signing_secret",
                     "whsec_bmV3LXNlY3JldA== whsec_b2xkLXNlY3JldA=="),
              "old *** new");
    EXPECT_EQ(hidden("b2xkLXNlY3JldA==", "booking_events.signing_secret",
                     "whsec_bmV3LXNlY3JldA== whsec_b2xkLXNlY3JldA=="),
              "***");
}

TEST(SecretValuesTest, HiddenRangesCoverWholeUtf8Characters) {
    // "\xc3\xa9" is one character; the run ends inside it.
    EXPECT_EQ(hidden("<abcdefg\xc3\xa9>", "booking_events.api_key", "abcdefg\xc3"), "<***>");
}

TEST(SecretValuesTest, ContainsSaysWhetherAnythingWouldBeHidden) {
    std::pmr::vector<SecretPiece> pieces(memory());
    add_secret_pieces("booking_events.api_key", "k-7f3a9c", pieces);
    EXPECT_TRUE(contains_secret_value("SET x = 'k-7f3a9c'", pieces, memory()));
    EXPECT_FALSE(contains_secret_value("SET x = 'other'", pieces, memory()));
}

}  // namespace
}  // namespace booking_events
