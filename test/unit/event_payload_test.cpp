// The event a row becomes: column values, event type, booking id, the
// booking_event section, profile info.
#include "core/event_payload.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace booking_events {
namespace {

using json = nlohmann::json;

// ---------------------------------------------------------------------------
// column_to_json

TEST(ColumnToJsonTest, NullIsNullWhateverTheText) {
    EXPECT_TRUE(column_to_json(ColumnKind::Null, "").is_null());
    EXPECT_TRUE(column_to_json(ColumnKind::Null, "t").is_null());
}

TEST(ColumnToJsonTest, BoolFromPostgresOutput) {
    EXPECT_EQ(column_to_json(ColumnKind::Bool, "t"), json(true));
    EXPECT_EQ(column_to_json(ColumnKind::Bool, "f"), json(false));
    EXPECT_TRUE(column_to_json(ColumnKind::Bool, "t").is_boolean());
    EXPECT_TRUE(column_to_json(ColumnKind::Bool, "f").is_boolean());
}

TEST(ColumnToJsonTest, IntegersIncludingInt64Limits) {
    const json small = column_to_json(ColumnKind::Integer, "42");
    EXPECT_TRUE(small.is_number_integer());
    EXPECT_EQ(small.get<std::int64_t>(), 42);
    EXPECT_EQ(column_to_json(ColumnKind::Integer, "-7").get<std::int64_t>(), -7);
    EXPECT_EQ(column_to_json(ColumnKind::Integer, "0").get<std::int64_t>(), 0);

    const json max = column_to_json(ColumnKind::Integer, "9223372036854775807");
    EXPECT_TRUE(max.is_number_integer());
    EXPECT_EQ(max.get<std::int64_t>(), INT64_MAX);
    EXPECT_EQ(max.dump(), "9223372036854775807");

    const json min = column_to_json(ColumnKind::Integer, "-9223372036854775808");
    EXPECT_TRUE(min.is_number_integer());
    EXPECT_EQ(min.get<std::int64_t>(), INT64_MIN);
    EXPECT_EQ(min.dump(), "-9223372036854775808");
}

TEST(ColumnToJsonTest, IntegerThatDoesNotParseStaysText) {
    EXPECT_EQ(column_to_json(ColumnKind::Integer, "9223372036854775808"),
              json("9223372036854775808"));
    EXPECT_EQ(column_to_json(ColumnKind::Integer, "12abc"), json("12abc"));
    EXPECT_EQ(column_to_json(ColumnKind::Integer, ""), json(""));
}

// The number a column's text becomes (NaN, and a failed check, when it
// becomes anything else).
double as_number(ColumnKind kind, const char *text) {
    const json value = column_to_json(kind, text);
    EXPECT_TRUE(value.is_number()) << text;
    return value.is_number() ? value.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

TEST(ColumnToJsonTest, FloatsBecomeNumbers) {
    EXPECT_TRUE(column_to_json(ColumnKind::Float, "1.5").is_number_float());
    EXPECT_EQ(as_number(ColumnKind::Float, "1.5"), 1.5);
    EXPECT_EQ(as_number(ColumnKind::Float, "-0.25"), -0.25);
    EXPECT_EQ(as_number(ColumnKind::Float, "1e+300"), 1e300);
}

TEST(ColumnToJsonTest, NonFiniteFloatsBecomeStrings) {
    for (const char *text : {"NaN", "Infinity", "-Infinity"}) {
        const json value = column_to_json(ColumnKind::Float, text);
        EXPECT_TRUE(value.is_string()) << text;
        EXPECT_EQ(value, json(text));
        // The body must remain valid JSON (nlohmann would print null for NaN).
        EXPECT_EQ(json::parse(json{{"v", value}}.dump()).at("v"), json(text));
    }
}

TEST(ColumnToJsonTest, NumericWithinFifteenDigitsIsANumber) {
    EXPECT_EQ(as_number(ColumnKind::Numeric, "123.45"), 123.45);
    EXPECT_EQ(as_number(ColumnKind::Numeric, "-0.01"), -0.01);
    EXPECT_EQ(as_number(ColumnKind::Numeric, "0"), 0.0);
    EXPECT_EQ(as_number(ColumnKind::Numeric, "123456789012345"), 123456789012345.0);
    EXPECT_EQ(as_number(ColumnKind::Numeric, "1234567890123.45"), 1234567890123.45);
}

TEST(ColumnToJsonTest, WholeNumericIsAnIntegerAsItReads) {
    auto dumped = [](const char *text) { return column_to_json(ColumnKind::Numeric, text).dump(); };
    EXPECT_EQ(dumped("240.00"), "240");
    EXPECT_EQ(dumped("-7"), "-7");
    EXPECT_EQ(dumped("240.50"), "240.5");
    EXPECT_TRUE(column_to_json(ColumnKind::Numeric, "100.").is_number_integer());
}

TEST(ColumnToJsonTest, LongerNumericStaysTextSoNothingIsRounded) {
    for (const char *text : {"1234567890123456", "12345678901234.56", "12345678901234567890",
                             "0.1234567890123456789", "-99999999999999999"}) {
        EXPECT_EQ(column_to_json(ColumnKind::Numeric, text), json(text)) << text;
    }
}

TEST(ColumnToJsonTest, NonFiniteNumericStaysText) {
    for (const char *text : {"NaN", "Infinity", "-Infinity"})
        EXPECT_EQ(column_to_json(ColumnKind::Numeric, text), json(text)) << text;
}

TEST(ColumnToJsonTest, JsonTextBecomesNestedJson) {
    const json object = column_to_json(ColumnKind::Json, R"({"a": [1, 2, {"b": null}], "c": "d"})");
    ASSERT_TRUE(object.is_object());
    EXPECT_EQ(object.at("a").at(2).at("b"), json(nullptr));
    EXPECT_EQ(object.at("c"), json("d"));
    EXPECT_EQ(column_to_json(ColumnKind::Json, "[1,2]"), json::array({1, 2}));
    EXPECT_EQ(column_to_json(ColumnKind::Json, R"("text")"), json("text"));
    EXPECT_EQ(column_to_json(ColumnKind::Json, "42"), json(42));
    EXPECT_EQ(column_to_json(ColumnKind::Json, "null"), json(nullptr));
}

TEST(ColumnToJsonTest, InvalidJsonStaysText) {
    EXPECT_EQ(column_to_json(ColumnKind::Json, "{bad"), json("{bad"));
    EXPECT_EQ(column_to_json(ColumnKind::Json, ""), json(""));
    EXPECT_EQ(column_to_json(ColumnKind::Json, "[1,2] trailing"), json("[1,2] trailing"));
}

// Depth is counted on the text, without parsing: strings, escaped quotes
// and brackets inside strings do not count, nor do stray closers.
TEST(JsonTextNestsDeeperTest, CountsObjectsAndArraysOutsideStrings) {
    EXPECT_FALSE(json_text_nests_deeper("1", 0));
    EXPECT_TRUE(json_text_nests_deeper("[]", 0));
    EXPECT_FALSE(json_text_nests_deeper("[{\"a\": [1]}]", 3));
    EXPECT_TRUE(json_text_nests_deeper("[{\"a\": [1]}]", 2));
    EXPECT_FALSE(json_text_nests_deeper("[1], [2], {\"a\": 3}", 1));
    EXPECT_FALSE(json_text_nests_deeper("{\"[[[[\": \"{{{{\"}", 1));
    EXPECT_FALSE(json_text_nests_deeper("[\"a\\\"[[[\"]", 1));
    EXPECT_TRUE(json_text_nests_deeper("[\"\\\\\", [[1]]]", 2));
    EXPECT_FALSE(json_text_nests_deeper("]]]][", 1));
}

TEST(JsonTextNestsDeeperTest, TheLimitIsInclusive) {
    const std::size_t limit = kMaxJsonColumnDepth;
    const std::string at_limit = std::string(limit, '[') + std::string(limit, ']');
    const std::string over = "[" + at_limit + "]";
    EXPECT_FALSE(json_text_nests_deeper(at_limit, limit));
    EXPECT_TRUE(json_text_nests_deeper(over, limit));
    // A million levels are counted without recursion.
    const std::string huge = std::string(1000000, '[') + std::string(1000000, ']');
    EXPECT_TRUE(json_text_nests_deeper(huge, limit));
}

TEST(ColumnToJsonTest, TextStaysText) {
    EXPECT_EQ(column_to_json(ColumnKind::Text, "t"), json("t"));
    EXPECT_EQ(column_to_json(ColumnKind::Text, "42"), json("42"));
    EXPECT_EQ(column_to_json(ColumnKind::Text, "{\"a\":1}"), json("{\"a\":1}"));
    EXPECT_EQ(column_to_json(ColumnKind::Text, ""), json(""));
}

TEST(RowToJsonTest, ColumnsByName) {
    const json row = row_to_json({{"id", ColumnKind::Integer, "7"},
                                  {"status", ColumnKind::Text, "pending"},
                                  {"paid", ColumnKind::Bool, "f"},
                                  {"note", ColumnKind::Null, ""},
                                  {"meta", ColumnKind::Json, R"({"k":"v"})"}});
    EXPECT_EQ(row, json({{"id", 7},
                         {"status", "pending"},
                         {"paid", false},
                         {"note", nullptr},
                         {"meta", {{"k", "v"}}}}));
    EXPECT_EQ(row_to_json({}), json::object());
}

// ---------------------------------------------------------------------------
// event_type_for

RowEvent row_event(std::string table, RowOperation operation, json record,
                   json old_record = nullptr, bool is_bookings = false) {
    RowEvent event;
    event.table = std::move(table);
    event.operation = operation;
    event.is_bookings_table = is_bookings;
    event.record = std::move(record);
    event.old_record = std::move(old_record);
    return event;
}

RowEvent bookings_event(RowOperation operation, json record, json old_record = nullptr) {
    return row_event("bookings", operation, std::move(record), std::move(old_record), true);
}

TEST(EventTypeTest, EventTypeColumnIsUsed) {
    const RowEvent event =
        row_event("booking_events", RowOperation::Insert,
                  {{"id", 1}, {"booking_id", "b-1"}, {"event_type", "booking.confirmed"}});
    EXPECT_EQ(event_type_for(event), "booking.confirmed");
}

TEST(EventTypeTest, NullEventTypeColumnGivesBookingEventCreated) {
    const RowEvent event =
        row_event("booking_events", RowOperation::Insert, {{"id", 1}, {"event_type", nullptr}});
    EXPECT_EQ(event_type_for(event), "booking_event.created");
}

TEST(EventTypeTest, EventTypeColumnWinsOnAnyTable) {
    EXPECT_EQ(event_type_for(row_event("audit", RowOperation::Update, {{"event_type", "x.y"}},
                                       {{"event_type", "x.y"}})),
              "x.y");
    EXPECT_EQ(event_type_for(bookings_event(RowOperation::Insert, {{"event_type", "custom"}})),
              "custom");
}

std::string bookings_event_type(RowOperation operation, json record, json old_record = nullptr) {
    return event_type_for(bookings_event(operation, std::move(record), std::move(old_record)));
}

// A row of the bookings table: what happened to the booking names the event.
TEST(EventTypeTest, BookingsTableRowsNameWhatHappened) {
    const json pending = {{"id", 1}, {"status", "pending"}};
    const json confirmed = {{"id", 1}, {"status", "confirmed"}};
    const json cancelled = {{"id", 1}, {"status", "cancelled"}};
    EXPECT_EQ(bookings_event_type(RowOperation::Insert, pending), "booking.created");
    EXPECT_EQ(bookings_event_type(RowOperation::Update, confirmed, pending),
              "booking.status_changed");
    // The trigger's WHEN (OLD.status IS DISTINCT FROM NEW.status) fires for this.
    EXPECT_EQ(bookings_event_type(RowOperation::Update, pending, {{"id", 1}, {"status", nullptr}}),
              "booking.status_changed");
    // Another column changed, with the status the same or no status column at all.
    EXPECT_EQ(bookings_event_type(RowOperation::Update,
                                  {{"id", 1}, {"status", "pending"}, {"total_price", 20}},
                                  {{"id", 1}, {"status", "pending"}, {"total_price", 10}}),
              "booking.updated");
    EXPECT_EQ(
        bookings_event_type(RowOperation::Update, {{"id", 1}, {"n", 2}}, {{"id", 1}, {"n", 1}}),
        "booking.updated");
    EXPECT_EQ(bookings_event_type(RowOperation::Delete, cancelled, cancelled), "booking.deleted");
}

TEST(EventTypeTest, OtherTablesUseTheirName) {
    const json row = {{"id", 3}, {"status", "open"}};
    const json changed = {{"id", 3}, {"status", "closed"}};
    EXPECT_EQ(event_type_for(row_event("payments", RowOperation::Insert, row)),
              "payments.inserted");
    // A status change outside the bookings table is just an update.
    EXPECT_EQ(event_type_for(row_event("payments", RowOperation::Update, changed, row)),
              "payments.updated");
    EXPECT_EQ(event_type_for(row_event("payments", RowOperation::Delete, row, row)),
              "payments.deleted");
}

TEST(EventTypeTest, ManualTriggerUsesTheInsertRule) {
    RowEvent booking = bookings_event(RowOperation::Insert, {{"id", 9}, {"status", "confirmed"}});
    booking.manual = true;
    EXPECT_EQ(event_type_for(booking), "booking.created");

    RowEvent other = row_event("invoices", RowOperation::Insert, {{"id", 9}});
    other.manual = true;
    EXPECT_EQ(event_type_for(other), "invoices.inserted");

    RowEvent with_column = row_event("booking_events", RowOperation::Insert,
                                     {{"id", 9}, {"event_type", "booking.reminder"}});
    with_column.manual = true;
    EXPECT_EQ(event_type_for(with_column), "booking.reminder");
}

// ---------------------------------------------------------------------------
// booking_id_for

TEST(BookingIdTest, BookingIdColumn) {
    EXPECT_EQ(booking_id_for(row_event("booking_events", RowOperation::Insert,
                                       {{"id", 1}, {"booking_id", "7f1c0e4a"}})),
              "7f1c0e4a");
}

TEST(BookingIdTest, NumbersBecomeText) {
    EXPECT_EQ(booking_id_for(row_event("booking_events", RowOperation::Insert,
                                       {{"id", 1}, {"booking_id", 42}})),
              "42");
    EXPECT_EQ(booking_id_for(bookings_event(RowOperation::Insert, {{"id", 9007199254740993LL}})),
              "9007199254740993");
}

TEST(BookingIdTest, IdOfTheBookingsTable) {
    EXPECT_EQ(booking_id_for(bookings_event(RowOperation::Update, {{"id", "b-77"}})), "b-77");
}

TEST(BookingIdTest, IdOfAnotherTableIsNotABookingId) {
    EXPECT_EQ(booking_id_for(row_event("payments", RowOperation::Insert, {{"id", 5}})),
              std::nullopt);
}

TEST(BookingIdTest, AbsentOrNull) {
    EXPECT_EQ(booking_id_for(row_event("notes", RowOperation::Insert, {{"text", "x"}})),
              std::nullopt);
    EXPECT_EQ(booking_id_for(row_event("booking_events", RowOperation::Insert,
                                       {{"id", 1}, {"booking_id", nullptr}})),
              std::nullopt);
    EXPECT_EQ(booking_id_for(bookings_event(RowOperation::Insert, json::object())), std::nullopt);
}

TEST(IdTextTest, Scalars) {
    EXPECT_EQ(id_text(json("abc")), "abc");
    EXPECT_EQ(id_text(json(12)), "12");
    EXPECT_EQ(id_text(json(-3)), "-3");
    EXPECT_EQ(id_text(json(nullptr)), std::nullopt);
    EXPECT_EQ(id_text(json::object()), std::nullopt);
    EXPECT_EQ(id_text(json::array()), std::nullopt);
}

// ---------------------------------------------------------------------------
// booking_event_section

TEST(BookingEventSectionTest, StatusChangeCarriesOldAndNewStatus) {
    const json before = {{"id", 5}, {"status", "pending"}, {"total_price", 10}};
    const json after = {{"id", 5}, {"status", "confirmed"}, {"total_price", 10}};
    const RowEvent event = bookings_event(RowOperation::Update, after, before);
    const json section = booking_event_section(event, "booking.status_changed");
    EXPECT_EQ(section.at("id"), json(5));
    EXPECT_EQ(section.at("booking_id"), json("5"));
    EXPECT_EQ(section.at("event_type"), json("booking.status_changed"));
    EXPECT_EQ(section.at("table"), json("bookings"));
    EXPECT_EQ(section.at("operation"), json("UPDATE"));
    EXPECT_EQ(section.at("old_status"), json("pending"));
    EXPECT_EQ(section.at("new_status"), json("confirmed"));
    EXPECT_EQ(section.at("record"), after);
    EXPECT_EQ(section.at("old_record"), before);
    EXPECT_FALSE(section.contains("manual"));
}

TEST(BookingEventSectionTest, OtherUpdateHasNoStatusKeysButOldRecord) {
    const json before = {{"id", 5}, {"status", "pending"}, {"total_price", 10}};
    const json after = {{"id", 5}, {"status", "pending"}, {"total_price", 12}};
    const json section = booking_event_section(bookings_event(RowOperation::Update, after, before),
                                               "booking.updated");
    EXPECT_FALSE(section.contains("old_status"));
    EXPECT_FALSE(section.contains("new_status"));
    EXPECT_EQ(section.at("old_record"), before);
    EXPECT_EQ(section.at("record"), after);
}

TEST(BookingEventSectionTest, InsertHasNoOldRecord) {
    const json row = {{"id", 1},
                      {"booking_id", 42},
                      {"event_type", "booking.note"},
                      {"description", "Note added"},
                      {"user_id", "u-1"},
                      {"created_at", "2026-01-17T10:15:30.123+00:00"},
                      {"extra", true}};
    const json section = booking_event_section(
        row_event("booking_events", RowOperation::Insert, row), "booking.note");
    // The whole section: no old_record, no status keys, booking_id as text.
    EXPECT_EQ(section, (json{{"id", 1},
                             {"booking_id", "42"},
                             {"event_type", "booking.note"},
                             {"description", "Note added"},
                             {"user_id", "u-1"},
                             {"created_at", "2026-01-17T10:15:30.123+00:00"},
                             {"table", "booking_events"},
                             {"operation", "INSERT"},
                             {"record", row}}));
}

TEST(BookingEventSectionTest, DeleteCarriesOldRecord) {
    const json row = {{"id", 5}, {"status", "cancelled"}};
    const json section =
        booking_event_section(bookings_event(RowOperation::Delete, row, row), "booking.deleted");
    EXPECT_EQ(section.at("operation"), json("DELETE"));
    EXPECT_EQ(section.at("old_record"), row);
    EXPECT_EQ(section.at("record"), row);
    EXPECT_FALSE(section.contains("old_status"));
}

TEST(BookingEventSectionTest, ManualFlag) {
    RowEvent event = bookings_event(RowOperation::Insert, {{"id", 5}, {"status", "confirmed"}});
    event.manual = true;
    const json section = booking_event_section(event, "booking.created");
    EXPECT_EQ(section.at("manual"), json(true));
    EXPECT_EQ(section.at("operation"), json("INSERT"));
    EXPECT_FALSE(section.contains("old_record"));
}

TEST(BookingEventSectionTest, MissingColumnsAreAbsent) {
    const json section = booking_event_section(
        row_event("notes", RowOperation::Insert, {{"text", "hi"}}), "notes.inserted");
    EXPECT_FALSE(section.contains("id"));
    EXPECT_FALSE(section.contains("booking_id"));
    EXPECT_FALSE(section.contains("description"));
    EXPECT_EQ(section.at("event_type"), json("notes.inserted"));
}

TEST(OperationNameTest, Names) {
    EXPECT_STREQ(operation_name(RowOperation::Insert), "INSERT");
    EXPECT_STREQ(operation_name(RowOperation::Update), "UPDATE");
    EXPECT_STREQ(operation_name(RowOperation::Delete), "DELETE");
}

// ---------------------------------------------------------------------------
// client_info / provider_info

TEST(ProfileInfoTest, FullNamePreferredOverName) {
    const json profile = {{"id", "p-1"},
                          {"full_name", "Ada Lovelace"},
                          {"name", "ada"},
                          {"email", "ada@example.com"},
                          {"password_hash", "secret"}};
    EXPECT_EQ(client_info_from_profile(profile),
              json({{"id", "p-1"}, {"name", "Ada Lovelace"}, {"email", "ada@example.com"}}));
}

TEST(ProfileInfoTest, NameWhenNoFullName) {
    EXPECT_EQ(client_info_from_profile({{"id", 1}, {"name", "Bob"}, {"email", "b@x"}}).at("name"),
              json("Bob"));
    EXPECT_EQ(client_info_from_profile(
                  {{"id", 1}, {"full_name", nullptr}, {"name", "Bob"}, {"email", "b@x"}})
                  .at("name"),
              json("Bob"));
}

TEST(ProfileInfoTest, MissingFieldsAreNull) {
    const json client = client_info_from_profile({{"id", 1}});
    EXPECT_EQ(client, json({{"id", 1}, {"name", nullptr}, {"email", nullptr}}));
    const json provider = provider_info_from_profile({{"id", 2}});
    EXPECT_EQ(provider,
              json({{"id", 2}, {"name", nullptr}, {"email", nullptr}, {"company_name", nullptr}}));
}

TEST(ProfileInfoTest, ProviderHasCompanyNameAndNothingElseLeaks) {
    const json profile = {{"id", 2},        {"name", "Carol"},
                          {"email", "c@x"}, {"company_name", "Acme"},
                          {"phone", "555"}, {"api_token", "t"}};
    EXPECT_EQ(provider_info_from_profile(profile),
              json({{"id", 2}, {"name", "Carol"}, {"email", "c@x"}, {"company_name", "Acme"}}));
    EXPECT_FALSE(client_info_from_profile(profile).contains("company_name"));
}

}  // namespace
}  // namespace booking_events
