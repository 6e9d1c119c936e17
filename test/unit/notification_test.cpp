#include "core/notification.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace booking_events {
namespace {

using nlohmann::json;

NotificationFields sample() {
    NotificationFields fields;
    fields.outbox_id = 42;
    fields.event_id = "b1284b5c-5f74-4e6d-87a8-3720e03352af";
    fields.event_type = "booking.confirmed";
    fields.booking_id = "c0000000-0000-4000-8000-000000000003";
    fields.user_id = "a0000000-0000-4000-8000-000000000001";
    fields.client_id = "a0000000-0000-4000-8000-000000000001";
    fields.provider_id = "b0000000-0000-4000-8000-000000000002";
    fields.description = "Confirmed by provider";
    fields.created_at = "2026-01-17T10:15:30.123Z";
    return fields;
}

TEST(NotificationChannelsTest, AllEventsChannelThenOnePerKnownId) {
    EXPECT_EQ(notification_channels(sample()),
              (std::vector<std::string>{
                  "booking_events", "booking_events:booking:c0000000-0000-4000-8000-000000000003",
                  "booking_events:user:a0000000-0000-4000-8000-000000000001",
                  "booking_events:client:a0000000-0000-4000-8000-000000000001",
                  "booking_events:provider:b0000000-0000-4000-8000-000000000002"}));
}

TEST(NotificationChannelsTest, UnknownAndEmptyIdsHaveNoChannel) {
    NotificationFields fields = sample();
    fields.user_id.reset();
    fields.client_id = "";
    fields.provider_id.reset();
    EXPECT_EQ(
        notification_channels(fields),
        (std::vector<std::string>{"booking_events",
                                  "booking_events:booking:c0000000-0000-4000-8000-000000000003"}));
}

TEST(NotificationChannelsTest, NamesOverSixtyThreeBytesAreLeftOut) {
    NotificationFields fields = sample();
    // "booking_events:booking:" is 23 bytes: 40 more make exactly 63.
    fields.booking_id = std::string(40, 'x');
    fields.user_id = std::string(44, 'y');  // "booking_events:user:" + 44 = 64
    const std::vector<std::string> channels = notification_channels(fields);
    ASSERT_EQ(channels.size(), 4u);
    EXPECT_EQ(channels[1].size(), 63u);
    for (const std::string &channel : channels) EXPECT_LE(channel.size(), kChannelNameMaxBytes);
    EXPECT_EQ(channels[2].rfind("booking_events:client:", 0), 0u);
}

TEST(NotificationPayloadTest, CompactJsonWithEveryField) {
    const json payload = json::parse(notification_payload(sample()));
    EXPECT_EQ(payload, json({{"id", 42},
                             {"event_id", "b1284b5c-5f74-4e6d-87a8-3720e03352af"},
                             {"event_type", "booking.confirmed"},
                             {"booking_id", "c0000000-0000-4000-8000-000000000003"},
                             {"user_id", "a0000000-0000-4000-8000-000000000001"},
                             {"client_id", "a0000000-0000-4000-8000-000000000001"},
                             {"provider_id", "b0000000-0000-4000-8000-000000000002"},
                             {"description", "Confirmed by provider"},
                             {"created_at", "2026-01-17T10:15:30.123Z"}}));
    EXPECT_EQ(notification_payload(sample()).find(' '), notification_payload(sample()).find(" by"));
}

TEST(NotificationPayloadTest, UnknownFieldsAreNull) {
    NotificationFields fields = sample();
    fields.user_id.reset();
    fields.description.reset();
    const json payload = json::parse(notification_payload(fields));
    EXPECT_TRUE(payload.at("user_id").is_null());
    EXPECT_TRUE(payload.at("description").is_null());
}

TEST(NotificationPayloadTest, HugeDescriptionIsShortenedUnderTheLimit) {
    NotificationFields fields = sample();
    fields.description = std::string(1 << 20, 'd');
    const std::string payload = notification_payload(fields);
    EXPECT_LE(payload.size(), kNotifyPayloadMaxBytes);
    const json parsed = json::parse(payload);
    const std::string description = parsed.at("description");
    EXPECT_GT(description.size(), 7000u);
    EXPECT_EQ(description.substr(description.size() - 3), "...");
    EXPECT_EQ(parsed.at("event_id"), "b1284b5c-5f74-4e6d-87a8-3720e03352af");
    EXPECT_EQ(parsed.at("booking_id"), "c0000000-0000-4000-8000-000000000003");
}

TEST(NotificationPayloadTest, EscapingHeavyDescriptionStillFits) {
    NotificationFields fields = sample();
    // Every quote and control byte doubles or sextuples when escaped.
    fields.description = std::string(20000, '"') + std::string(20000, '\x01');
    const std::string payload = notification_payload(fields);
    EXPECT_LE(payload.size(), kNotifyPayloadMaxBytes);
    EXPECT_NO_THROW(json::parse(payload));
}

TEST(NotificationPayloadTest, ShorteningNeverCutsAUtf8Character) {
    NotificationFields fields = sample();
    std::string text;
    while (text.size() < 20000) text += "é€😀";
    fields.description = text;
    const std::string payload = notification_payload(fields);
    EXPECT_LE(payload.size(), kNotifyPayloadMaxBytes);
    // A cut sequence would be replaced by U+FFFD while serializing.
    EXPECT_EQ(payload.find("\xEF\xBF\xBD"), std::string::npos);
    EXPECT_NO_THROW(json::parse(payload));
}

TEST(NotificationPayloadTest, OverlongIdsAreDroppedRatherThanFailing) {
    NotificationFields fields = sample();
    fields.booking_id = std::string(9000, 'b');
    fields.client_id = std::string(9000, 'c');
    const std::string payload = notification_payload(fields);
    EXPECT_LE(payload.size(), kNotifyPayloadMaxBytes);
    const json parsed = json::parse(payload);
    EXPECT_TRUE(parsed.at("booking_id").is_null());
    EXPECT_TRUE(parsed.at("client_id").is_null());
    EXPECT_EQ(parsed.at("user_id"), "a0000000-0000-4000-8000-000000000001");
}

TEST(NotificationPayloadTest, EvenAnOverlongEventTypeFits) {
    NotificationFields fields = sample();
    fields.event_type = std::string(20000, 't');
    EXPECT_LE(notification_payload(fields).size(), kNotifyPayloadMaxBytes);
}

TEST(NotificationHintTest, OnlyTheOutboxIdAndTheEventType) {
    EXPECT_EQ(notification_hint(sample()), R"({"event_type":"booking.confirmed","id":42})");
}

TEST(NotificationHintTest, NothingAboutTheBookingLeaks) {
    const std::string hint = notification_hint(sample());
    for (const char *secret : {"c0000000", "a0000000", "b0000000", "Confirmed", "b1284b5c"})
        EXPECT_EQ(hint.find(secret), std::string::npos) << secret;
}

TEST(NotificationHintTest, AnOverlongOrEscapingHeavyEventTypeFits) {
    NotificationFields fields = sample();
    fields.event_type = std::string(20000, '"');
    const std::string hint = notification_hint(fields);
    EXPECT_LE(hint.size(), kNotifyPayloadMaxBytes);
    EXPECT_EQ(json::parse(hint)["id"], 42);
    fields.event_type = std::string(3000, 't') + "\xC3\xA9" + std::string(5000, 't');
    EXPECT_LE(notification_hint(fields, 100).size(), 100u);
    EXPECT_NO_THROW(json::parse(notification_hint(fields, 100)));
}

TEST(Utf8PrefixTest, StopsAtCharacterBoundaries) {
    EXPECT_EQ(utf8_prefix("abc", 10), "abc");
    EXPECT_EQ(utf8_prefix("abc", 2), "ab");
    EXPECT_EQ(utf8_prefix("a\xC3\xA9", 2), "a");         // é is two bytes
    EXPECT_EQ(utf8_prefix("\xF0\x9F\x98\x80z", 3), "");  // 😀 is four
    EXPECT_EQ(utf8_prefix("\xF0\x9F\x98\x80z", 4), "\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace booking_events
