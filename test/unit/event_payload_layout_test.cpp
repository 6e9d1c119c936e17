// The payload written from the rows' values (layout_event) against the
// reference: build_event(booking_event_section(...)) of the same rows, both
// serialized the way the outbox's jsonb reads them back.
#include "core/event_payload_layout.hpp"

#include "support/example_event.hpp"

#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace booking_events {
namespace {

using json = nlohmann::json;
using test_support::example_context;

// A row in both forms: the reference path's nlohmann object and the
// layout's PayloadRow, each column read the way the PostgreSQL layer reads
// a column of that kind.
class TestRow {
  public:
    explicit TestRow(const std::vector<ColumnValue> &columns) : reference_(row_to_json(columns)) {
        for (const ColumnValue &column : columns) {
            PayloadColumn &target = columns_.emplace_back();
            target.name = names_.emplace_back(column.name).c_str();
            if (column.kind == ColumnKind::Text) {
                // Text columns are read from their Datum, not through nlohmann.
                const std::string &text = texts_.emplace_back(column.text);
                target.value.kind = PayloadValueKind::String;
                target.value.text = text.data();
                target.value.length = text.size();
                continue;
            }
            const json &value = values_.emplace_back(column_to_json(column.kind, column.text));
            target.value = payload_value_of(value, &texts_.emplace_back());
        }
    }
    TestRow(const TestRow &) = delete;
    TestRow &operator=(const TestRow &) = delete;

    PayloadRow row() const { return PayloadRow{columns_.data(), columns_.size()}; }
    const json &reference() const { return reference_; }
    // Replaces a column's value with an Opaque one (a jsonb object).
    void make_opaque(const char *name) {
        for (PayloadColumn &column : columns_)
            if (std::strcmp(column.name, name) == 0) {
                column.value = PayloadValue{};
                column.value.kind = PayloadValueKind::Opaque;
                column.value.opaque = this;
            }
    }

  private:
    json reference_;
    std::deque<std::string> names_;
    std::deque<std::string> texts_;
    std::deque<json> values_;
    std::vector<PayloadColumn> columns_;
};

// The value the tokens describe, as jsonb holds it: later keys replace
// earlier ones, numbers are read from their text.
json value_of_tokens(const JsonTokens &tokens) {
    std::vector<json> stack;
    std::vector<std::string> keys;
    json result;
    auto place = [&](json value) {
        if (stack.empty()) {
            result = std::move(value);
        } else if (stack.back().is_array()) {
            stack.back().push_back(std::move(value));
        } else {
            stack.back()[keys.back()] = std::move(value);
            keys.pop_back();
        }
    };
    for (const JsonToken &token : tokens.tokens) {
        switch (token.kind) {
            case JsonTokenKind::BeginObject:
                stack.push_back(json::object());
                break;
            case JsonTokenKind::BeginArray:
                stack.push_back(json::array());
                break;
            case JsonTokenKind::EndObject:
            case JsonTokenKind::EndArray: {
                json done = std::move(stack.back());
                stack.pop_back();
                place(std::move(done));
                break;
            }
            case JsonTokenKind::Key:
                keys.emplace_back(token.text, token.length);
                break;
            case JsonTokenKind::Null:
                place(nullptr);
                break;
            case JsonTokenKind::Bool:
                place(token.boolean);
                break;
            case JsonTokenKind::Integer:
                place(token.integer);
                break;
            case JsonTokenKind::NumberText:
                place(json::parse(std::string(token.text, token.length)));
                break;
            case JsonTokenKind::String:
                place(std::string(token.text, token.length));
                break;
            case JsonTokenKind::Opaque:
                place("<opaque>");
                break;
        }
    }
    return result;
}

struct Rows {
    const char *table = "booking_events";
    RowOperation operation = RowOperation::Insert;
    bool is_bookings_table = false;
    bool manual = false;
    const TestRow *record = nullptr;
    const TestRow *old_record = nullptr;
    const TestRow *booking = nullptr;
    const TestRow *client = nullptr;
    const TestRow *provider = nullptr;
};

// Both paths over `rows`: the layout's payload must be the reference's,
// byte for byte once serialized; so must the event type and booking id.
void expect_same_payload(const Rows &rows) {
    RowEvent reference;
    reference.table = rows.table;
    reference.operation = rows.operation;
    reference.is_bookings_table = rows.is_bookings_table;
    reference.manual = rows.manual;
    reference.record = rows.record->reference();
    if (rows.old_record != nullptr) reference.old_record = rows.old_record->reference();
    const std::string type = event_type_for(reference);
    const std::optional<std::string> booking_id = booking_id_for(reference);
    Enrichment enrichment;
    if (rows.booking != nullptr) enrichment.booking_details = rows.booking->reference();
    if (rows.client != nullptr)
        enrichment.client_info = client_info_from_profile(rows.client->reference());
    if (rows.provider != nullptr)
        enrichment.provider_info = provider_info_from_profile(rows.provider->reference());
    const json expected =
        build_event(example_context(), type, booking_event_section(reference, type), enrichment);

    PayloadEvent event;
    event.table = rows.table;
    event.operation = rows.operation;
    event.is_bookings_table = rows.is_bookings_table;
    event.manual = rows.manual;
    event.record = rows.record->row();
    PayloadRow old_record, booking, client, provider;
    if (rows.old_record != nullptr) {
        old_record = rows.old_record->row();
        event.old_record = &old_record;
    }
    PayloadEnrichment found;
    if (rows.booking != nullptr) found.booking_details = &(booking = rows.booking->row());
    if (rows.client != nullptr) found.client_profile = &(client = rows.client->row());
    if (rows.provider != nullptr) found.provider_profile = &(provider = rows.provider->row());
    const std::optional<std::string> layout_type = payload_event_type(event);
    ASSERT_TRUE(layout_type.has_value());
    EXPECT_EQ(*layout_type, type);
    EXPECT_EQ(payload_booking_id(event), booking_id);
    EXPECT_EQ(payload_id_field(found.booking_details, "client_id"),
              id_field(enrichment.booking_details, "client_id"));

    JsonTokens tokens;
    const EventContext context = example_context();
    ASSERT_TRUE(layout_event(context, *layout_type, booking_id, event, found, &tokens));
    EXPECT_TRUE(tokens.direct);
    EXPECT_EQ(serialize_event(value_of_tokens(tokens)), serialize_event(expected));
}

const std::vector<ColumnValue> kBooking = {
    {"id", ColumnKind::Text, "b-7"},
    {"booking_number", ColumnKind::Text, "BK-7"},
    {"client_id", ColumnKind::Text, "c-1"},
    {"provider_id", ColumnKind::Text, "p-2"},
    {"status", ColumnKind::Text, "pending"},
    {"total_price", ColumnKind::Numeric, "240.00"},
    {"created_at", ColumnKind::Text, "2026-01-17T10:15:30.123+00:00"}};

TEST(EventPayloadLayoutTest, BookingEventWithEveryEnrichment) {
    const TestRow record({{"id", ColumnKind::Integer, "42"},
                          {"booking_id", ColumnKind::Text, "b-7"},
                          {"event_type", ColumnKind::Text, "booking.note"},
                          {"description", ColumnKind::Text, "quote \" and \\ and \xC3\xA9"},
                          {"user_id", ColumnKind::Text, "u-1"},
                          {"created_at", ColumnKind::Text, "2026-01-17T10:15:30+00:00"},
                          {"note", ColumnKind::Null, ""}});
    const TestRow booking(kBooking);
    const TestRow client({{"id", ColumnKind::Text, "c-1"},
                          {"full_name", ColumnKind::Text, "Ada"},
                          {"name", ColumnKind::Text, "ada"},
                          {"email", ColumnKind::Text, "ada@example.com"}});
    const TestRow provider({{"id", ColumnKind::Text, "p-2"},
                            {"full_name", ColumnKind::Null, ""},
                            {"name", ColumnKind::Text, "Bob"}});
    Rows rows;
    rows.record = &record;
    rows.booking = &booking;
    rows.client = &client;
    rows.provider = &provider;
    expect_same_payload(rows);
}

TEST(EventPayloadLayoutTest, EveryColumnKind) {
    const TestRow record({{"id", ColumnKind::Integer, "-9223372036854775808"},
                          {"flag", ColumnKind::Bool, "t"},
                          {"off", ColumnKind::Bool, "f"},
                          {"whole", ColumnKind::Numeric, "240.00"},
                          {"fraction", ColumnKind::Numeric, "12.50"},
                          {"tiny", ColumnKind::Numeric, "0.000015"},
                          {"long", ColumnKind::Numeric, "1234567890123456.5"},
                          {"nan", ColumnKind::Numeric, "NaN"},
                          {"ratio", ColumnKind::Float, "1e-07"},
                          {"infinite", ColumnKind::Float, "Infinity"},
                          {"doc", ColumnKind::Json, R"({"a": [1, 2.50, {"b": null}], "a": 3})"},
                          {"list", ColumnKind::Json, "[1e2, 18446744073709551615]"},
                          {"scalar", ColumnKind::Json, "7"},
                          {"bad_json", ColumnKind::Json, "{bad"},
                          {"empty", ColumnKind::Text, ""}});
    Rows rows;
    rows.table = "values";
    rows.record = &record;
    expect_same_payload(rows);
}

TEST(EventPayloadLayoutTest, BookingsStatusChangeUpdateAndDelete) {
    std::vector<ColumnValue> before = kBooking;
    std::vector<ColumnValue> after = kBooking;
    after[4].text = "confirmed";
    const TestRow old_row(before);
    const TestRow new_row(after);
    Rows rows;
    rows.table = "bookings";
    rows.is_bookings_table = true;
    rows.operation = RowOperation::Update;
    rows.record = &new_row;
    rows.old_record = &old_row;
    rows.booking = &new_row;
    expect_same_payload(rows);  // booking.status_changed

    after[4].text = "pending";
    after[5].text = "250.00";
    const TestRow price_row(after);
    rows.record = rows.booking = &price_row;
    expect_same_payload(rows);  // booking.updated

    rows.operation = RowOperation::Delete;
    rows.record = rows.old_record = rows.booking = &old_row;
    expect_same_payload(rows);

    rows.operation = RowOperation::Insert;
    rows.old_record = nullptr;
    rows.manual = true;
    expect_same_payload(rows);
}

TEST(EventPayloadLayoutTest, StatusChangeOnAnyTableAndAcrossKinds) {
    const TestRow before({{"id", ColumnKind::Integer, "1"}, {"status", ColumnKind::Null, ""}});
    const TestRow after({{"id", ColumnKind::Integer, "1"}, {"status", ColumnKind::Text, "x"}});
    Rows rows;
    rows.table = "orders";
    rows.operation = RowOperation::Update;
    rows.record = &after;
    rows.old_record = &before;
    expect_same_payload(rows);
}

TEST(EventPayloadLayoutTest, EventTypeColumnOfEveryKind) {
    for (const ColumnValue &type :
         std::vector<ColumnValue>{{"event_type", ColumnKind::Null, ""},
                                  {"event_type", ColumnKind::Text, ""},
                                  {"event_type", ColumnKind::Integer, "5"},
                                  {"event_type", ColumnKind::Numeric, "2.5"},
                                  {"event_type", ColumnKind::Bool, "t"},
                                  {"event_type", ColumnKind::Json, R"({"b": 1, "a": [true]})"}}) {
        const TestRow record({{"booking_id", ColumnKind::Integer, "3"}, type});
        Rows rows;
        rows.record = &record;
        expect_same_payload(rows);
    }
}

TEST(EventPayloadLayoutTest, DeclinesWhatOnlyTheReferenceCanTell) {
    TestRow typed({{"event_type", ColumnKind::Text, "x"}});
    typed.make_opaque("event_type");
    PayloadEvent event;
    event.record = typed.row();
    EXPECT_EQ(payload_event_type(event), std::nullopt);

    // Two numbers written differently may still be equal (-0.0 and 0.0).
    const TestRow before({{"status", ColumnKind::Float, "-0"}});
    const TestRow after({{"status", ColumnKind::Float, "0"}});
    PayloadRow old_record = before.row();
    event.record = after.row();
    event.old_record = &old_record;
    event.operation = RowOperation::Update;
    event.is_bookings_table = true;
    EXPECT_EQ(payload_event_type(event), std::nullopt);
    JsonTokens tokens;
    EXPECT_FALSE(layout_event(example_context(), "t", std::nullopt, event, {}, &tokens));
}

TEST(EventPayloadLayoutTest, InvalidUtf8TakesTheTextPath) {
    const TestRow record({{"note", ColumnKind::Text, "caf\xE9"}});
    PayloadEvent event;
    event.record = record.row();
    JsonTokens tokens;
    ASSERT_TRUE(layout_event(example_context(), "t", std::nullopt, event, {}, &tokens));
    EXPECT_FALSE(tokens.direct);
}

TEST(EventPayloadLayoutTest, OpaqueValuesAreLeftToTheCaller) {
    TestRow record({{"doc", ColumnKind::Text, "-"}});
    record.make_opaque("doc");
    PayloadEvent event;
    event.record = record.row();
    JsonTokens tokens;
    ASSERT_TRUE(layout_event(example_context(), "t", std::nullopt, event, {}, &tokens));
    int opaque = 0;
    for (const JsonToken &token : tokens.tokens)
        if (token.kind == JsonTokenKind::Opaque && token.opaque == &record) ++opaque;
    EXPECT_EQ(opaque, 1);
}

TEST(ReadJsonNumberTest, AsNlohmannReadsAndWritesIt) {
    JsonNumber number;
    ASSERT_TRUE(read_json_number("-5", 2, &number));
    EXPECT_TRUE(number.is_integer);
    EXPECT_EQ(number.integer, -5);
    ASSERT_TRUE(read_json_number("123", 3, &number));  // nlohmann: unsigned
    EXPECT_FALSE(number.is_integer);
    EXPECT_STREQ(number.written, "123");
    ASSERT_TRUE(read_json_number("1.50", 4, &number));
    EXPECT_STREQ(number.written, "1.5");
    ASSERT_TRUE(read_json_number("99999999999999999999", 20, &number));
    EXPECT_STREQ(number.written, "1e+20");
    const std::string huge = "1" + std::string(400, '0');
    EXPECT_FALSE(read_json_number(huge.data(), huge.size(), &number));
}

TEST(NumericJsonTest, Forms) {
    EXPECT_EQ(numeric_json("240.00").form, NumericJson::Form::Integer);
    EXPECT_EQ(numeric_json("240.00").integer, 240);
    EXPECT_EQ(numeric_json("12.50").form, NumericJson::Form::Double);
    EXPECT_EQ(numeric_json("12.50").real, 12.5);
    EXPECT_EQ(numeric_json("1234567890123456").form, NumericJson::Form::Text);
    EXPECT_EQ(numeric_json("12345678901234.00").form, NumericJson::Form::Text);
    EXPECT_EQ(numeric_json("NaN").form, NumericJson::Form::Text);
}

}  // namespace
}  // namespace booking_events
