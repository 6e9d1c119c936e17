#include "core/batch_body.hpp"

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/event_payload.hpp"

namespace booking_events {
namespace {

constexpr const char *kBatchId = "0b7e4f2a-93c1-4d5e-8f60-1a2b3c4d5e6f";

std::string event_body(const std::string &event_id, const std::string &description) {
    EventContext context;
    context.event_id = event_id;
    context.event_time_unix_ms = 1768644930123;
    context.source = "contract-management-system";
    context.environment = "production";
    context.database = "app";
    context.version = "1.1.0";
    RowEvent row;
    row.table = "booking_events";
    row.record = {{"id", 7}, {"booking_id", "b-1"}, {"description", description}};
    const std::string type = event_type_for(row);
    return serialize_event(build_event(context, type, booking_event_section(row, type), {}));
}

TEST(BatchMaxTest, OneToAThousand) {
    for (long long good : {1LL, 2LL, 50LL, 999LL, 1000LL})
        EXPECT_EQ(batch_max_problem(good), std::nullopt) << good;
    for (long long bad : {0LL, -1LL, 1001LL, 1LL << 40, -(1LL << 40)})
        EXPECT_TRUE(batch_max_problem(bad).has_value()) << bad;
    EXPECT_EQ(batch_max_problem(1001).value(), "batch_max must be between 1 and 1000 (got 1001)");
}

TEST(CanonicalUuidTest, OnlyTheCanonicalForm) {
    EXPECT_TRUE(is_canonical_uuid(kBatchId));
    std::array<std::uint8_t, 16> bytes{};
    bytes.fill(0xAB);
    EXPECT_TRUE(is_canonical_uuid(format_uuid_v4(bytes)));
    for (const char *bad :
         {"", "0B7E4F2A-93C1-4D5E-8F60-1A2B3C4D5E6F", "{0b7e4f2a-93c1-4d5e-8f60-1a2b3c4d5e6f}",
          "0b7e4f2a93c14d5e8f601a2b3c4d5e6f", "0b7e4f2a-93c1-4d5e-8f60-1a2b3c4d5e6",
          "0b7e4f2a-93c1-4d5e-8f60-1a2b3c4d5e6g", "0b7e4f2a-93c1-4d5e-8f60-1a2b3c4d5e6f0",
          "0b7e4f2a-93c1-4d5e-8f60\"1a2b3c4d5e6f"})
        EXPECT_FALSE(is_canonical_uuid(bad)) << bad;
}

TEST(BatchBodyTest, EmbedsEachEventBodyByteForByte) {
    const std::string first = event_body("11111111-1111-4111-8111-111111111111", "a");
    // A description with escapes and non-ASCII: its bytes must survive as is.
    const std::string second =
        event_body("22222222-2222-4222-8222-222222222222", "quote \" slash \\ \xC3\xA4 \n 1.50");
    const std::string body = build_batch_body(kBatchId, {first, second});
    EXPECT_EQ(body, std::string("{\"batch_id\":\"") + kBatchId + "\",\"events\":[" + first + "," +
                        second + "]}");
    const nlohmann::json parsed = nlohmann::json::parse(body);
    EXPECT_EQ(parsed.at("batch_id"), kBatchId);
    ASSERT_EQ(parsed.at("events").size(), 2u);
    EXPECT_EQ(parsed["events"][0], nlohmann::json::parse(first));
    EXPECT_EQ(parsed["events"][1]["booking_event"]["description"],
              "quote \" slash \\ \xC3\xA4 \n 1.50");
}

TEST(BatchBodyTest, OneEventAndAThousand) {
    const std::string one = event_body("11111111-1111-4111-8111-111111111111", "x");
    EXPECT_EQ(nlohmann::json::parse(build_batch_body(kBatchId, {one}))["events"].size(), 1u);
    const std::vector<std::string_view> many(kMaxBatchMax, one);
    const nlohmann::json parsed = nlohmann::json::parse(build_batch_body(kBatchId, many));
    EXPECT_EQ(parsed["events"].size(), static_cast<std::size_t>(kMaxBatchMax));
}

TEST(BatchBodyTest, RefusesWhatTheReceiverCouldNotRead) {
    const std::string good = event_body("11111111-1111-4111-8111-111111111111", "x");
    EXPECT_THROW(build_batch_body(kBatchId, {}), std::invalid_argument);
    EXPECT_THROW(build_batch_body("not-a-uuid", {good}), std::invalid_argument);
    EXPECT_THROW(build_batch_body("0b7e4f2a-93c1-4d5e-8f60\",\"x\":\"1a2b3c4d", {good}),
                 std::invalid_argument);
    for (const char *bad : {"", "{", "}", "[1]", "null", " {}", "{} ", "\"{}\""})
        EXPECT_THROW(build_batch_body(kBatchId, {good, bad}), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace booking_events
