// The body as sent: built, serialized, timed and identified.
#include "core/event_payload.hpp"

#include "support/example_event.hpp"
#include "support/json_keys.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace booking_events {
namespace {

using json = nlohmann::json;
using test_support::example_context;
using test_support::keys_of;

// ---------------------------------------------------------------------------
// build_event / serialize_event

TEST(BuildEventTest, HasExactlyTheContractKeys) {
    Enrichment enrichment;
    enrichment.booking_details = json{{"id", 5}, {"booking_number", "BK-5"}};
    enrichment.client_info = json{{"id", 1}, {"name", "A"}, {"email", nullptr}};
    enrichment.provider_info =
        json{{"id", 2}, {"name", "B"}, {"email", nullptr}, {"company_name", nullptr}};
    const json section = {{"table", "bookings"}};
    const json event =
        build_event(example_context(), "booking.status_changed", section, enrichment);
    EXPECT_EQ(keys_of(event), (std::set<std::string>{"event_id", "event_type", "event_time",
                                                     "source", "booking_event", "booking_details",
                                                     "client_info", "provider_info", "system"}));
    EXPECT_EQ(event.at("event_id"), json("0b7a5c1e-2f3d-4a4b-9c8d-0123456789ab"));
    EXPECT_EQ(event.at("event_type"), json("booking.status_changed"));
    EXPECT_EQ(event.at("event_time"), json("2026-01-17T10:15:30.123Z"));
    EXPECT_EQ(event.at("source"), json("contract-management-system"));
    EXPECT_EQ(event.at("booking_event"), section);
    EXPECT_EQ(event.at("booking_details"), *enrichment.booking_details);
    EXPECT_EQ(event.at("client_info"), *enrichment.client_info);
    EXPECT_EQ(event.at("provider_info"), *enrichment.provider_info);
    EXPECT_EQ(event.at("system"), json({{"environment", "production"},
                                        {"timestamp", "2026-01-17T10:15:30.123Z"},
                                        {"database", "app"},
                                        {"version", "1.0.0"}}));
}

TEST(BuildEventTest, AbsentEnrichmentIsOmitted) {
    const json event = build_event(example_context(), "x.inserted", json::object(), Enrichment{});
    EXPECT_EQ(keys_of(event), (std::set<std::string>{"event_id", "event_type", "event_time",
                                                     "source", "booking_event", "system"}));

    Enrichment only_client;
    only_client.client_info = json{{"id", 1}, {"name", nullptr}, {"email", nullptr}};
    const json partial = build_event(example_context(), "x.inserted", json::object(), only_client);
    EXPECT_TRUE(partial.contains("client_info"));
    EXPECT_FALSE(partial.contains("booking_details"));
    EXPECT_FALSE(partial.contains("provider_info"));
}

TEST(SerializeEventTest, CompactAndRoundTrips) {
    const json event =
        build_event(example_context(), "booking.created", {{"record", {{"a", 1}}}}, Enrichment{});
    const std::string body = serialize_event(event);
    EXPECT_EQ(body.find('\n'), std::string::npos);
    EXPECT_EQ(body.find(": "), std::string::npos);
    EXPECT_EQ(body.find(", "), std::string::npos);
    EXPECT_EQ(json::parse(body), event);
}

// The body of one status change, built from what the trigger captures: the
// row's columns in table order, the old row, the enrichment rows.
std::string status_change_body() {
    const std::vector<ColumnValue> old_row = {
        {"id", ColumnKind::Text, "33333333-3333-3333-3333-333333333333"},
        {"status", ColumnKind::Text, "pending"},
        {"total_price", ColumnKind::Numeric, "120.50"},
        {"notes", ColumnKind::Json, "{\"vip\": true, \"room\": 4}"}};
    std::vector<ColumnValue> new_row = old_row;
    new_row[1].text = "confirmed";
    RowEvent row;
    row.table = "bookings";
    row.operation = RowOperation::Update;
    row.is_bookings_table = true;
    row.record = row_to_json(new_row);
    row.old_record = row_to_json(old_row);
    Enrichment enrichment;
    enrichment.booking_details = row.record;
    enrichment.client_info = client_info_from_profile(
        {{"id", "c1"}, {"full_name", "Alice"}, {"email", "a@example.com"}});
    const std::string type = event_type_for(row);
    return serialize_event(
        build_event(example_context(), type, booking_event_section(row, type), enrichment));
}

// Receivers deduplicate and verify signatures on the body: the same capture
// must give the same bytes whenever it is built (nothing read from a clock,
// a random source or a hash order), in a form that does not drift.
TEST(SerializeEventTest, SameEventGivesTheSameBytes) {
    const std::string first = status_change_body();
    EXPECT_EQ(status_change_body(), first);
    // Keys sorted at every level, compact, so that it is the same body
    // whichever order the parts were built in.
    EXPECT_EQ(
        first,
        R"({"booking_details":{"id":"33333333-3333-3333-3333-333333333333","notes":{"room":4,"vip":true},)"
        R"("status":"confirmed","total_price":120.5},)"
        R"("booking_event":{"booking_id":"33333333-3333-3333-3333-333333333333","event_type":"booking.status_changed",)"
        R"("id":"33333333-3333-3333-3333-333333333333","new_status":"confirmed",)"
        R"("old_record":{"id":"33333333-3333-3333-3333-333333333333","notes":{"room":4,"vip":true},"status":"pending",)"
        R"("total_price":120.5},"old_status":"pending","operation":"UPDATE",)"
        R"("record":{"id":"33333333-3333-3333-3333-333333333333","notes":{"room":4,"vip":true},"status":"confirmed",)"
        R"("total_price":120.5},"table":"bookings"},)"
        R"("client_info":{"email":"a@example.com","id":"c1","name":"Alice"},)"
        R"("event_id":"0b7a5c1e-2f3d-4a4b-9c8d-0123456789ab",)"
        R"("event_time":"2026-01-17T10:15:30.123Z","event_type":"booking.status_changed",)"
        R"("source":"contract-management-system","system":{"database":"app",)"
        R"("environment":"production","timestamp":"2026-01-17T10:15:30.123Z",)"
        R"("version":"1.0.0"}})");
}

TEST(SerializeEventTest, RawModeWritesValidTextLikeUtf8Mode) {
    const json event =
        build_event(example_context(), "booking.created",
                    {{"record", {{"city", "Z\xC3\xBCrich"}, {"n", 1}}}}, Enrichment{});
    EXPECT_EQ(serialize_event(event, TextBytes::Raw), serialize_event(event, TextBytes::Utf8));
}

TEST(SerializeEventTest, RawModeKeepsEveryByte) {
    // SQL_ASCII data: Latin-1 bytes, a valid UTF-8 sequence, stray bytes,
    // in values and in keys; each comes out as it went in.
    const std::string bytes = "caf\xE9 \xC3\xA9 \xFF\x80\xC2";
    const json event = {{"note", bytes}, {std::string("k\xE9y"), {bytes, "plain"}}};
    EXPECT_EQ(serialize_event(event, TextBytes::Raw),
              "{\"k\xE9y\":[\"" + bytes + "\",\"plain\"],\"note\":\"" + bytes + "\"}");
}

TEST(SerializeEventTest, RawModeStillEscapesJson) {
    const json event = {{"q", "a\"b\\c\n\xE9"}};
    EXPECT_EQ(serialize_event(event, TextBytes::Raw), "{\"q\":\"a\\\"b\\\\c\\n\xE9\"}");
}

TEST(SerializeEventTest, Utf8IsKeptAsIs) {
    const std::string body = serialize_event({{"city", "Z\xC3\xBCrich \xE2\x82\xAC"}});
    EXPECT_EQ(body, "{\"city\":\"Z\xC3\xBCrich \xE2\x82\xAC\"}");
}

TEST(SerializeEventTest, InvalidUtf8IsReplacedNotThrown) {
    const json event = {{"description", std::string("bad \xFF\xFE byte and cut \xC3")}};
    std::string body;
    ASSERT_NO_THROW(body = serialize_event(event));
    EXPECT_EQ(body.find('\xFF'), std::string::npos);
    EXPECT_NE(body.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
    EXPECT_NE(body.find("bad "), std::string::npos);
    EXPECT_NE(body.find(" byte and cut "), std::string::npos);
    // The result is valid UTF-8 JSON.
    json parsed;
    ASSERT_NO_THROW(parsed = json::parse(body));
    EXPECT_TRUE(parsed.at("description").is_string());
}

TEST(SerializeEventTest, InvalidUtf8InAKeyIsReplacedToo) {
    const json event = {{std::string("k\x80"), 1}};
    std::string body;
    ASSERT_NO_THROW(body = serialize_event(event));
    EXPECT_NO_THROW(json::parse(body));
}

TEST(IdFieldTest, ScalarsOfObjectsOnly) {
    const json row = {{"client_id", "c-1"}, {"n", 7}, {"none", nullptr}, {"obj", {{"a", 1}}}};
    EXPECT_EQ(id_field(row, "client_id"), "c-1");
    EXPECT_EQ(id_field(row, "n"), "7");
    EXPECT_EQ(id_field(row, "none"), std::nullopt);
    EXPECT_EQ(id_field(row, "obj"), std::nullopt);
    EXPECT_EQ(id_field(row, "absent"), std::nullopt);
    EXPECT_EQ(id_field(json::array({1}), "client_id"), std::nullopt);
    EXPECT_EQ(id_field(std::optional<json>{}, "client_id"), std::nullopt);
    EXPECT_EQ(id_field(std::optional<json>{row}, "client_id"), "c-1");
}

TEST(JsonHoldsNulTest, InStringsKeysAndNesting) {
    EXPECT_FALSE(json_holds_nul(json::parse(R"({"a": ["x", {"b": "y"}], "n": 1})")));
    EXPECT_TRUE(json_holds_nul(json::parse(R"("x\u0000y")")));
    EXPECT_TRUE(json_holds_nul(json::parse(R"({"a": [1, {"b": "\u0000"}]})")));
    EXPECT_TRUE(json_holds_nul(json::parse(R"({"k\u0000": 1})")));
}

// ---------------------------------------------------------------------------
// format_event_time

TEST(FormatEventTimeTest, Epoch) { EXPECT_EQ(format_event_time(0), "1970-01-01T00:00:00.000Z"); }

TEST(FormatEventTimeTest, ContractExample) {
    // date -u -d '2026-01-17 10:15:30 UTC' +%s  -> 1768644930
    EXPECT_EQ(format_event_time(1768644930123LL), "2026-01-17T10:15:30.123Z");
}

TEST(FormatEventTimeTest, Milliseconds) {
    EXPECT_EQ(format_event_time(1), "1970-01-01T00:00:00.001Z");
    EXPECT_EQ(format_event_time(999), "1970-01-01T00:00:00.999Z");
    EXPECT_EQ(format_event_time(1000), "1970-01-01T00:00:01.000Z");
    EXPECT_EQ(format_event_time(59999), "1970-01-01T00:00:59.999Z");
    EXPECT_EQ(format_event_time(86399999), "1970-01-01T23:59:59.999Z");
}

TEST(FormatEventTimeTest, BeforeNineteenSeventy) {
    EXPECT_EQ(format_event_time(-1), "1969-12-31T23:59:59.999Z");
    EXPECT_EQ(format_event_time(-999), "1969-12-31T23:59:59.001Z");
    EXPECT_EQ(format_event_time(-1000), "1969-12-31T23:59:59.000Z");
    EXPECT_EQ(format_event_time(-1001), "1969-12-31T23:59:58.999Z");
    // date -u -d '1969-07-20 20:17:40 UTC' +%s  -> -14182940
    EXPECT_EQ(format_event_time(-14182940000LL), "1969-07-20T20:17:40.000Z");
    EXPECT_EQ(format_event_time(-14182940000LL + 250), "1969-07-20T20:17:40.250Z");
    // date -u -d '1900-01-01 00:00:00 UTC' +%s  -> -2208988800
    EXPECT_EQ(format_event_time(-2208988800000LL), "1900-01-01T00:00:00.000Z");
}

TEST(FormatEventTimeTest, LeapDays) {
    // date -u -d '2024-02-29 12:34:56 UTC' +%s  -> 1709210096
    EXPECT_EQ(format_event_time(1709210096789LL), "2024-02-29T12:34:56.789Z");
    // date -u -d '2024-02-29 23:59:59 UTC' +%s  -> 1709251199
    EXPECT_EQ(format_event_time(1709251199999LL), "2024-02-29T23:59:59.999Z");
    // date -u -d '2024-03-01 00:00:00 UTC' +%s  -> 1709251200
    EXPECT_EQ(format_event_time(1709251200000LL), "2024-03-01T00:00:00.000Z");
    // date -u -d '2000-02-29 00:00:00 UTC' +%s  -> 951782400
    EXPECT_EQ(format_event_time(951782400000LL), "2000-02-29T00:00:00.000Z");
    // date -u -d '2100-03-01 00:00:00 UTC' +%s  -> 4107542400 (no 2100-02-29)
    EXPECT_EQ(format_event_time(4107542400000LL - 1), "2100-02-28T23:59:59.999Z");
}

TEST(FormatEventTimeTest, FarFuture) {
    // date -u -d '9999-12-31 23:59:59 UTC' +%s  -> 253402300799
    EXPECT_EQ(format_event_time(253402300799999LL), "9999-12-31T23:59:59.999Z");
}

TEST(FormatEventTimeTest, InverseOfTimegmForEveryDay) {
    // Every day from 1899-12-31 to 2101-12-31, at a time that exercises all fields.
    for (std::int64_t day = -25568; day < 48212; ++day) {
        const std::int64_t ms = (day * 86400 + 13 * 3600 + 7 * 60 + 9) * 1000 + 456;
        const std::string text = format_event_time(ms);
        int year = 0, month = 0, mday = 0, hour = 0, minute = 0, second = 0, millis = 0;
        ASSERT_EQ(std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &year, &month, &mday,
                              &hour, &minute, &second, &millis),
                  7)
            << text;
        std::tm utc{};
        utc.tm_year = year - 1900;
        utc.tm_mon = month - 1;
        utc.tm_mday = mday;
        utc.tm_hour = hour;
        utc.tm_min = minute;
        utc.tm_sec = second;
        ASSERT_EQ(static_cast<std::int64_t>(timegm(&utc)) * 1000 + millis, ms) << text;
    }
}

// ---------------------------------------------------------------------------
// format_uuid_v4

TEST(FormatUuidTest, KnownBytes) {
    std::array<std::uint8_t, 16> zeros{};
    EXPECT_EQ(format_uuid_v4(zeros), "00000000-0000-4000-8000-000000000000");
    std::array<std::uint8_t, 16> ones;
    ones.fill(0xff);
    EXPECT_EQ(format_uuid_v4(ones), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    std::array<std::uint8_t, 16> counting{};
    for (std::size_t i = 0; i < counting.size(); ++i) counting[i] = static_cast<std::uint8_t>(i);
    EXPECT_EQ(format_uuid_v4(counting), "00010203-0405-4607-8809-0a0b0c0d0e0f");
}

TEST(FormatUuidTest, VersionAndVariantBitsForEveryByteValue) {
    for (int value = 0; value < 256; ++value) {
        std::array<std::uint8_t, 16> bytes;
        bytes.fill(static_cast<std::uint8_t>(value));
        const std::string uuid = format_uuid_v4(bytes);
        ASSERT_EQ(uuid.size(), 36u);
        EXPECT_EQ(uuid[8], '-');
        EXPECT_EQ(uuid[13], '-');
        EXPECT_EQ(uuid[18], '-');
        EXPECT_EQ(uuid[23], '-');
        EXPECT_EQ(uuid[14], '4') << uuid;
        EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << uuid;
        EXPECT_EQ(uuid.find_first_not_of("0123456789abcdef-"), std::string::npos) << uuid;
        // Bits outside the version and variant fields are kept.
        static constexpr char kHex[] = "0123456789abcdef";
        EXPECT_EQ(uuid[0], kHex[value >> 4]);
        EXPECT_EQ(uuid[15], kHex[value & 0x0f]);
        EXPECT_EQ(uuid[20], kHex[value & 0x0f]);
    }
}

}  // namespace
}  // namespace booking_events
