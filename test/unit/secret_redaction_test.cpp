#include "core/secret_redaction.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace booking_events {
namespace {

std::pmr::memory_resource *memory() { return std::pmr::get_default_resource(); }

bool is_keyword(std::string_view word) {
    static const std::string_view keywords[] = {
        "alter",   "system",   "set",     "select",   "false",  "true",  "local",
        "session", "to",       "role",    "database", "update", "where", "name",
        "create",  "function", "returns", "language", "as",     "do",    "begin",
        "end",     "perform",  "execute", "prepare",  "text",   "void",  "null"};
    return std::find(std::begin(keywords), std::end(keywords), word) != std::end(keywords);
}

bool touches(std::string_view sql) { return sql_touches_secrets(sql, true, memory()); }

std::string redacted(std::string_view sql) {
    return std::string(redact_sql(sql, true, is_keyword, memory()).text);
}

TEST(SecretRedactionTest, SecretNamesAreFoundHoweverTheyAreWritten) {
    for (std::string_view sql : {
             "ALTER SYSTEM SET booking_events.api_key = $$v$$",
             R"(ALTER SYSTEM SET "booking_events"."api_key" = 'v')",
             R"(SET "BOOKING_EVENTS".Api_Key = 'v')",
             R"(SET booking_events.U&"\0061pi_key" = 'v')",
             R"(SET booking_events.U&"!0061pi!005fkey" UESCAPE '!' = 'v')",
             "SET booking_events./**/api_key = 'v'",
             "SET booking_events. -- c\n api_key = 'v'",
             "SET booking_events.signing_secret TO v",
             "SELECT set_config(E'booking_events.\\x61pi_key', 'v', false)",
             "SELECT set_config('booking_events.web' || 'hook_url', 'v', false)",
             "UPDATE pg_settings SET setting = 'v' WHERE name = 'booking_events.api_key'",
             "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $b$ BEGIN PERFORM "
             "set_config(U&'booking_events.\\0061pi_key', 'v', false); END $b$",
             "DO $$ BEGIN EXECUTE $q$SET booking_events.api_key = 'v'$q$; END $$",
         })
        EXPECT_TRUE(touches(sql)) << sql;
}

TEST(SecretRedactionTest, SettingsWithComputedNamesCount) {
    for (const char *sql : {
             "SELECT set_config($1, $2, false)",
             "SELECT set_config(reverse('yek_ipa'), 'v', false)",
             "SELECT pg_catalog.set_config(n, v, false) FROM t",
             "UPDATE pg_settings SET setting = 'v' WHERE name ~ 'x'",
             "DO $$ BEGIN EXECUTE format('SET %I.%I = %L', a, b, c); END $$",
             "DO $$ BEGIN EXECUTE 'SET ' || n || ' = ' || v; END $$",
             "DO $$ BEGIN EXECUTE 'ALTER SYSTEM SET work_mem = 1'; END $$",
             "CREATE FUNCTION f(n text, v text) RETURNS void LANGUAGE plpython3u AS "
             "$$ plpy.execute(\"SET \" + n + \" = '\" + v + \"'\") $$",
         })
        EXPECT_TRUE(touches(sql)) << sql;
}

TEST(SecretRedactionTest, CallsOfFunctionsThatTakeSecretsCount) {
    EXPECT_TRUE(
        touches("SELECT hooks.webhook_endpoint_set('crm', 'https://h/p', '{*}', NULL, 1, "
                "'key', 'whsec_x')"));
    EXPECT_EQ(redacted("SELECT webhook_endpoint_set('crm', 'https://h/p', '{*}', NULL, 1, 'k')"),
              "SELECT webhook_endpoint_set('***', '***', '***', NULL, ***, '***')");
}

TEST(SecretRedactionTest, OrdinaryStatementsDoNot) {
    for (const char *sql : {
             "SELECT 'hello', 42 FROM t WHERE a = 'b'",
             "SELECT pg_catalog.set_config('search_path', '', false)",
             "ALTER SYSTEM SET work_mem = '64MB'",
             "SELECT name, setting FROM pg_settings",
             "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
             "UPDATE t SET a = 1; SET LOCAL work_mem = '1MB'; END $$",
             R"(parameter "booking_events.max_attempts" changed to "3")",
         })
        EXPECT_FALSE(touches(sql)) << sql;
}

TEST(SecretRedactionTest, ConstantsAndBareValuesAreRemoved) {
    EXPECT_EQ(redacted("ALTER SYSTEM SET booking_events.api_key = $$k-1$$"),
              "ALTER SYSTEM SET booking_events.api_key = $$***$$");
    EXPECT_EQ(redacted("ALTER SYSTEM SET booking_events.api_key = $tag$k-1$tag$;"),
              "ALTER SYSTEM SET booking_events.api_key = $tag$***$tag$;");
    EXPECT_EQ(redacted(R"(SET "booking_events"."api_key" TO mykey123)"),
              R"(SET "booking_events"."api_key" TO ***)");
    EXPECT_EQ(redacted("SET booking_events.api_key = \"quoted\", 12345, E'x\\n', U&'y'"),
              "SET booking_events.api_key = \"***\", ***, '***', '***'");
    EXPECT_EQ(redacted("SET booking_events./* key */api_key = 'v' -- done"),
              "SET booking_events. api_key = '***'  ");
    EXPECT_EQ(redacted("SELECT set_config('booking_events.api_key', $2, false)"),
              "SELECT set_config('booking_events.api_key', $2, false)");
    EXPECT_EQ(redacted("ALTER ROLE app SET booking_events.api_key = 'v'"),
              "ALTER ROLE *** SET booking_events.api_key = '***'");
}

// Named notation: the parameter names stay (an error about an argument then
// says which one), the values go, `=>` or not.
TEST(SecretRedactionTest, NamedArgumentsKeepTheirNames) {
    const RedactedSql sql = redact_sql(
        "SELECT webhook_endpoint_set('crm', 'https://h/p', max_per_second => -1, "
        "\"api_key\" => 'k-123456', batch_max => 5, signing_secret=>'s-123456')",
        true, is_keyword, memory());
    EXPECT_EQ(sql.text,
              "SELECT webhook_endpoint_set('***', '***', max_per_second => -***, "
              "\"api_key\" => '***', batch_max => ***, signing_secret=>'***')");
    EXPECT_EQ(std::find(sql.removed.begin(), sql.removed.end(), "max_per_second"),
              sql.removed.end());
    EXPECT_NE(std::find(sql.removed.begin(), sql.removed.end(), "k-123456"), sql.removed.end());
    // `= >` is no named argument: the word before it is a value.
    EXPECT_EQ(redacted("SET booking_events.api_key = abc = > 1"),
              "SET booking_events.api_key = *** = > ***");
}

TEST(SecretRedactionTest, UnreliableTextIsRemovedWhole) {
    const RedactedSql sql =
        redact_sql("SET booking_events.api_key = 'a\\' -- b'", true, is_keyword, memory());
    EXPECT_EQ(sql.text, "***");
}

TEST(SecretRedactionTest, WhatWasRemovedIsListedThroughFunctionBodies) {
    const RedactedSql sql = redact_sql(
        "DO $$ BEGIN PERFORM set_config('booking_events.api_key', E'inner\\x21', false); END $$",
        true, is_keyword, memory());
    EXPECT_EQ(sql.text, "DO $$***$$");
    auto listed = [&](std::string_view text) {
        return std::find(sql.removed.begin(), sql.removed.end(), text) != sql.removed.end();
    };
    EXPECT_TRUE(listed("inner!"));
    EXPECT_TRUE(listed("E'inner\\x21'"));
}

TEST(SecretRedactionTest, SettingValueMessagesLoseTheValue) {
    auto redact = [](std::string_view message) -> std::optional<std::string> {
        auto out = redact_setting_value_messages(message, memory());
        if (!out) return std::nullopt;
        return std::string(*out);
    };
    EXPECT_EQ(redact(R"(parameter "booking_events.api_key" changed to "rotated-5e1d")"),
              R"(parameter "booking_events.api_key" changed to "***")");
    EXPECT_EQ(redact(R"(invalid value for parameter "booking_events.signing_secret": "a"b"c")"),
              R"(invalid value for parameter "booking_events.signing_secret": "***")");
    EXPECT_EQ(redact(R"(parameter "booking_events.max_attempts" changed to "3")"), std::nullopt);
    EXPECT_EQ(redact("parameter \"booking_events.api_key\" reset\nkeep \"this\""), std::nullopt);
}

TEST(SecretRedactionTest, SecretSettingNamesCompareWithoutCase) {
    EXPECT_TRUE(is_secret_setting("BOOKING_EVENTS.Api_Key"));
    EXPECT_FALSE(is_secret_setting("booking_events.api_keys"));
}

}  // namespace
}  // namespace booking_events
