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

using ExpectedFields = std::initializer_list<std::pair<LogField, std::optional<std::string>>>;

// Redacts `record`: what each field became (std::nullopt: left as it was),
// and whether the statement line is hidden.
void expect_redaction(const LogRecord &record, ExpectedFields expected, bool hides_statement,
                      std::pmr::vector<SecretPiece> known = {}) {
    const Result result = redact(record, std::move(known));
    for (const auto &[field, text] : expected)
        EXPECT_EQ(result.field(field), text) << "field " << static_cast<int>(field);
    EXPECT_EQ(result.hide_statement, hides_statement);
}

TEST(LogRecordRedactionTest, TheStatementLineIsRedactedAndTheStatementHidden) {
    const std::string_view sql = "ALTER SYSTEM SET booking_events.api_key = 'k-secret-1'";
    const std::string message = "statement: " + std::string(sql);
    expect_redaction(
        record_of(sql, {{LogField::message, message}}),
        {{LogField::message, "statement: ALTER SYSTEM SET booking_events.api_key = '***'"}}, true);
}

TEST(LogRecordRedactionTest, ErrorsQuotingPartsOfASensitiveStatementLoseThem) {
    expect_redaction(
        record_of("SET booking_events.api_key = mysecretword extra",
                  {{LogField::message, "syntax error at or near \"mysecretword\""},
                   {LogField::hint, "bare mysecretword here"}}),
        {{LogField::message, "syntax error at or near \"***\""}, {LogField::hint, "bare *** here"}},
        true);
}

TEST(LogRecordRedactionTest, BoundParametersAndContextsOfASensitiveStatementLoseTheirValues) {
    expect_redaction(
        record_of(
            "SELECT set_config($1, $2, false)",
            {{LogField::message, "execute <unnamed>: SELECT set_config($1, $2, false)"},
             {LogField::detail, "parameters: $1 = 'booking_events.api_key', $2 = 'bound-secret'"},
             {LogField::context, "unnamed portal with parameters: $1 = 'x', $2 = 'bound-secret'"}}),
        {{LogField::message, std::nullopt},
         {LogField::detail, "parameters: $1 = '***'"},
         {LogField::context, "unnamed portal with parameters: $1 = '***'"}},
        true);
}

TEST(LogRecordRedactionTest, ContextsOfFunctionsLoseTheStatementTheyQuote) {
    expect_redaction(
        record_of(
            "SELECT f()",
            {{LogField::message, "parameter \"booking_events.api_key\" cannot be changed now"},
             {LogField::context,
              "SQL statement \"SET booking_events.api_key = \"v1\"\"\n"
              "PL/pgSQL function f() line 1 at SQL statement"},
             {LogField::internal_query, "SET booking_events.api_key TO v2value"}}),
        {{LogField::context,
          "SQL statement \"***\"\nPL/pgSQL function f() line 1 at SQL statement"},
         {LogField::internal_query, "SET booking_events.api_key TO ***"}},
        true);
}

TEST(LogRecordRedactionTest, ReasonsThatQuoteNoValueKeepTheirQuotes) {
    expect_redaction(
        record_of(
            "ALTER SYSTEM SET booking_events.webhook_url = 'ftp://example.com/hook'",
            {{LogField::message, "invalid value for parameter \"booking_events.webhook_url\""},
             {LogField::detail, "the URL scheme \"ftp\" is not supported; use http or https."}}),
        {{LogField::message, std::nullopt}, {LogField::detail, std::nullopt}}, true);
}

TEST(LogRecordRedactionTest, APreparedSetConfigMakesItsExecuteSensitive) {
    expect_redaction(
        record_of("EXECUTE set_key('prepared-secret')",
                  {{LogField::message, "statement: EXECUTE set_key('prepared-secret')"},
                   {LogField::detail,
                    "prepare: PREPARE set_key(text) AS SELECT "
                    "set_config('booking_events.api_key', $1, false)"}}),
        {{LogField::message, "statement: EXECUTE set_key('***')"},
         {LogField::detail,
          "prepare: PREPARE set_key(***) AS SELECT set_config('booking_events.api_key', $1, "
          "false)"}},
        true);
}

TEST(LogRecordRedactionTest, KnownValuesAreHiddenInAnyMessage) {
    std::pmr::vector<SecretPiece> known(memory());
    add_secret_pieces("booking_events.api_key", "known-secret-42", known);
    expect_redaction(record_of("SELECT my_setter('known-secret-42')",
                               {{LogField::message,
                                 "duration: 1 ms  statement: SELECT my_setter('known-secret-42')"},
                                {LogField::hint, "value known-secret-42"}}),
                     {{LogField::message, "duration: 1 ms  statement: SELECT my_setter('***')"},
                      {LogField::hint, "value ***"}},
                     true, known);
}

TEST(LogRecordRedactionTest, OrdinaryMessagesAreLeftAlone) {
    expect_redaction(
        record_of("SELECT 'visible'", {{LogField::message, "statement: SELECT 'visible'"},
                                       {LogField::detail, "column \"x\" is here"}}),
        {{LogField::message, std::nullopt}, {LogField::detail, std::nullopt}}, false);
}

TEST(LogRecordRedactionTest, PostgresqlsOwnSettingMessagesKeepTheName) {
    expect_redaction(
        record_of(std::nullopt,
                  {{LogField::message,
                    "parameter \"booking_events.api_key\" changed to \"new\"value\""}}),
        {{LogField::message, "parameter \"booking_events.api_key\" changed to \"***\""}}, true);
}

}  // namespace
}  // namespace booking_events
