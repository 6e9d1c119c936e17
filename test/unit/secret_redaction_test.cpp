#include "core/secret_redaction.hpp"

#include <gtest/gtest.h>

namespace booking_events {
namespace {

TEST(SecretRedactionTest, ReloadMessageLosesTheValue) {
    EXPECT_EQ(redact_secret_settings(
                  R"(parameter "booking_events.api_key" changed to "rotated-api-key-5e1d")"),
              R"(parameter "booking_events.api_key" changed to "***")");
    EXPECT_EQ(redact_secret_settings(
                  R"(parameter "booking_events.webhook_url" changed to "https://u:p@h/x?token=1")"),
              R"(parameter "booking_events.webhook_url" changed to "***")");
}

TEST(SecretRedactionTest, RejectedValueMessageLosesTheValue) {
    EXPECT_EQ(redact_secret_settings(
                  R"(invalid value for parameter "booking_events.signing_secret": "whsec_**")"),
              R"(invalid value for parameter "booking_events.signing_secret": "***")");
}

TEST(SecretRedactionTest, QuotesInsideTheValueAreCoveredToo) {
    EXPECT_EQ(redact_secret_settings(R"(parameter "booking_events.api_key" changed to "a"b"c")"),
              R"(parameter "booking_events.api_key" changed to "***")");
}

TEST(SecretRedactionTest, OtherSettingsAndTextAreLeftAlone) {
    EXPECT_EQ(redact_secret_settings(R"(parameter "booking_events.max_attempts" changed to "3")"),
              std::nullopt);
    EXPECT_EQ(redact_secret_settings("booking_events.api_key is not set"), std::nullopt);
    EXPECT_EQ(redact_secret_settings(R"(parameter "booking_events.api_key" cannot be changed now)"),
              std::nullopt);
}

TEST(SecretRedactionTest, OnlyTheLineOfTheNameIsTouched) {
    const std::string message = "parameter \"booking_events.api_key\" reset\nkeep \"this\"";
    EXPECT_EQ(redact_secret_settings(message), std::nullopt);
}

TEST(SecretRedactionTest, StatementsThatSetASecretLoseTheLiteral) {
    EXPECT_EQ(
        redact_secret_settings("statement: ALTER SYSTEM SET booking_events.api_key = 'k-123';"),
        "statement: ALTER SYSTEM SET booking_events.api_key = '***';");
    EXPECT_EQ(redact_secret_settings("statement: SET booking_events.signing_secret TO 'it''s'"),
              "statement: SET booking_events.signing_secret TO '***'");
    EXPECT_EQ(
        redact_secret_settings(
            "statement: SELECT set_config('booking_events.webhook_url', 'https://x/y', false)"),
        "statement: SELECT set_config('booking_events.webhook_url', '***', false)");
    EXPECT_EQ(redact_secret_settings("statement: ALTER SYSTEM RESET booking_events.api_key"),
              std::nullopt);
}

}  // namespace
}  // namespace booking_events
