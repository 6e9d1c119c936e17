#include "core/log_record_redaction.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace booking_events {
namespace {

std::pmr::memory_resource *memory() { return std::pmr::get_default_resource(); }

bool is_keyword(std::string_view word) {
    static const std::string_view keywords[] = {"alter", "system",  "set",     "select", "false",
                                                "to",    "execute", "prepare", "as"};
    return std::find(std::begin(keywords), std::end(keywords), word) != std::end(keywords);
}

struct Result {
    std::array<std::optional<std::string>, kLogFieldCount> fields;
    bool hide_statement;
    std::optional<std::string> field(LogField f) const {
        return fields[static_cast<std::size_t>(f)];
    }
};

Result redact(const LogRecord &record, std::pmr::vector<SecretPiece> known = {}) {
    LogRedactionContext context;
    context.is_keyword = is_keyword;
    context.known_secrets = &known;
    LogRecordRedaction redaction = redact_log_record(record, context, memory());
    Result out{{}, redaction.hide_statement};
    for (std::size_t i = 0; i < kLogFieldCount; ++i)
        if (redaction.fields[i]) out.fields[i] = std::string(*redaction.fields[i]);
    return out;
}

LogRecord record_of(std::optional<std::string_view> statement,
                    std::initializer_list<std::pair<LogField, std::string_view>> fields) {
    LogRecord record;
    record.statement = statement;
    for (const auto &[field, text] : fields) record.fields[static_cast<std::size_t>(field)] = text;
    return record;
}

TEST(LogRecordRedactionTest, TheStatementLineIsRedactedAndTheStatementHidden) {
    const std::string_view sql = "ALTER SYSTEM SET booking_events.api_key = 'k-secret-1'";
    const std::string message = "statement: " + std::string(sql);
    const Result result = redact(record_of(sql, {{LogField::message, message}}));
    EXPECT_EQ(result.field(LogField::message),
              "statement: ALTER SYSTEM SET booking_events.api_key = '***'");
    EXPECT_TRUE(result.hide_statement);
}

TEST(LogRecordRedactionTest, ErrorsQuotingPartsOfASensitiveStatementLoseThem) {
    const std::string_view sql = "SET booking_events.api_key = mysecretword extra";
    const Result result =
        redact(record_of(sql, {{LogField::message, "syntax error at or near \"mysecretword\""},
                               {LogField::hint, "bare mysecretword here"}}));
    EXPECT_EQ(result.field(LogField::message), "syntax error at or near \"***\"");
    EXPECT_EQ(result.field(LogField::hint), "bare *** here");
    EXPECT_TRUE(result.hide_statement);
}

TEST(LogRecordRedactionTest, BoundParametersAndContextsOfASensitiveStatementLoseTheirValues) {
    const Result result = redact(record_of(
        "SELECT set_config($1, $2, false)",
        {{LogField::message, "execute <unnamed>: SELECT set_config($1, $2, false)"},
         {LogField::detail, "parameters: $1 = 'booking_events.api_key', $2 = 'bound-secret'"},
         {LogField::context, "unnamed portal with parameters: $1 = 'x', $2 = 'bound-secret'"}}));
    EXPECT_EQ(result.field(LogField::message), std::nullopt);  // nothing to change
    EXPECT_EQ(result.field(LogField::detail), "parameters: $1 = '***'");
    EXPECT_EQ(result.field(LogField::context), "unnamed portal with parameters: $1 = '***'");
}

TEST(LogRecordRedactionTest, ContextsOfFunctionsLoseTheStatementTheyQuote) {
    const Result result = redact(record_of(
        "SELECT f()",
        {{LogField::message, "parameter \"booking_events.api_key\" cannot be changed now"},
         {LogField::context,
          "SQL statement \"SET booking_events.api_key = \"v1\"\"\n"
          "PL/pgSQL function f() line 1 at SQL statement"},
         {LogField::internal_query, "SET booking_events.api_key TO v2value"}}));
    EXPECT_EQ(result.field(LogField::context),
              "SQL statement \"***\"\nPL/pgSQL function f() line 1 at SQL statement");
    EXPECT_EQ(result.field(LogField::internal_query), "SET booking_events.api_key TO ***");
    EXPECT_TRUE(result.hide_statement);
}

TEST(LogRecordRedactionTest, ReasonsThatQuoteNoValueKeepTheirQuotes) {
    const Result result = redact(record_of(
        "ALTER SYSTEM SET booking_events.webhook_url = 'ftp://example.com/hook'",
        {{LogField::message, "invalid value for parameter \"booking_events.webhook_url\""},
         {LogField::detail, "the URL scheme \"ftp\" is not supported; use http or https."}}));
    EXPECT_EQ(result.field(LogField::message), std::nullopt);
    EXPECT_EQ(result.field(LogField::detail), std::nullopt);
    EXPECT_TRUE(result.hide_statement);
}

TEST(LogRecordRedactionTest, APreparedSetConfigMakesItsExecuteSensitive) {
    const Result result =
        redact(record_of("EXECUTE set_key('prepared-secret')",
                         {{LogField::message, "statement: EXECUTE set_key('prepared-secret')"},
                          {LogField::detail,
                           "prepare: PREPARE set_key(text) AS SELECT "
                           "set_config('booking_events.api_key', $1, false)"}}));
    EXPECT_EQ(result.field(LogField::message), "statement: EXECUTE set_key('***')");
    EXPECT_EQ(result.field(LogField::detail),
              "prepare: PREPARE set_key(***) AS SELECT set_config('booking_events.api_key', $1, "
              "false)");
}

TEST(LogRecordRedactionTest, KnownValuesAreHiddenInAnyMessage) {
    std::pmr::vector<SecretPiece> known(memory());
    add_secret_pieces("booking_events.api_key", "known-secret-42", known);
    const Result result = redact(
        record_of(
            "SELECT my_setter('known-secret-42')",
            {{LogField::message, "duration: 1 ms  statement: SELECT my_setter('known-secret-42')"},
             {LogField::hint, "value known-secret-42"}}),
        known);
    EXPECT_EQ(result.field(LogField::message),
              "duration: 1 ms  statement: SELECT my_setter('***')");
    EXPECT_EQ(result.field(LogField::hint), "value ***");
    EXPECT_TRUE(result.hide_statement);
}

TEST(LogRecordRedactionTest, OrdinaryMessagesAreLeftAlone) {
    const Result result =
        redact(record_of("SELECT 'visible'", {{LogField::message, "statement: SELECT 'visible'"},
                                              {LogField::detail, "column \"x\" is here"}}));
    EXPECT_EQ(result.field(LogField::message), std::nullopt);
    EXPECT_EQ(result.field(LogField::detail), std::nullopt);
    EXPECT_FALSE(result.hide_statement);
}

TEST(LogRecordRedactionTest, PostgresqlsOwnSettingMessagesKeepTheName) {
    const Result result = redact(record_of(
        std::nullopt,
        {{LogField::message, "parameter \"booking_events.api_key\" changed to \"new\"value\""}}));
    EXPECT_EQ(result.field(LogField::message),
              "parameter \"booking_events.api_key\" changed to \"***\"");
}

}  // namespace
}  // namespace booking_events
