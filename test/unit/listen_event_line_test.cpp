#include "listen/event_line.hpp"

#include <gtest/gtest.h>

#include <string>

namespace booking_events::listen {
namespace {

// As the listener prints it, and as the opt-in full payload carries it
// (compact, keys sorted).
const std::string kNotification =
    R"({"booking_id":"c0000000-0000-4000-8000-000000000003","client_id":null,)"
    R"("created_at":"2026-01-17T10:15:30.123Z","description":"Confirmed \"now\"",)"
    R"("event_id":"b1284b5c-5f74-4e6d-87a8-3720e03352af","event_type":"booking.confirmed",)"
    R"("id":42,"provider_id":null,"user_id":"a0000000-0000-4000-8000-000000000001"})";

// The same event as booking_events_replay() returns it (jsonb's text form).
const std::string kReplayedRow =
    R"({"id": 42, "user_id": "a0000000-0000-4000-8000-000000000001", "event_id": )"
    R"("b1284b5c-5f74-4e6d-87a8-3720e03352af", "client_id": null, "booking_id": )"
    R"("c0000000-0000-4000-8000-000000000003", "created_at": "2026-01-17T10:15:30.123Z", )"
    R"("event_type": "booking.confirmed", "description": "Confirmed \"now\"", )"
    R"("provider_id": null})";

TEST(EventLineTest, ReadsEveryField) {
    const ParsedEvent parsed = parse_event(kNotification);
    ASSERT_EQ(parsed.error, "");
    const NotificationFields &event = *parsed.fields;
    EXPECT_EQ(event.outbox_id, 42);
    EXPECT_EQ(event.event_id, "b1284b5c-5f74-4e6d-87a8-3720e03352af");
    EXPECT_EQ(event.event_type, "booking.confirmed");
    EXPECT_EQ(event.booking_id, "c0000000-0000-4000-8000-000000000003");
    EXPECT_EQ(event.user_id, "a0000000-0000-4000-8000-000000000001");
    EXPECT_FALSE(event.client_id.has_value());
    EXPECT_FALSE(event.provider_id.has_value());
    EXPECT_EQ(event.description, "Confirmed \"now\"");
    EXPECT_EQ(event.created_at, "2026-01-17T10:15:30.123Z");
}

TEST(EventLineTest, ANotificationIsPrintedAsPublished) {
    EXPECT_EQ(event_line(*parse_event(kNotification).fields), kNotification);
}

TEST(EventLineTest, AReplayedRowPrintsTheSameLineAsTheNotification) {
    EXPECT_EQ(event_line(*parse_event(kReplayedRow).fields), kNotification);
}

TEST(EventLineTest, AHugeReplayedDescriptionIsShortenedAsInTheNotification) {
    NotificationFields event = *parse_event(kNotification).fields;
    event.description = std::string(1 << 20, 'x');
    const std::string replayed = notification_payload(event, std::string::npos);  // unshortened
    const std::string line = event_line(*parse_event(replayed).fields);
    EXPECT_EQ(line, notification_payload(event));
    EXPECT_LE(line.size(), kNotifyPayloadMaxBytes);
}

TEST(EventLineTest, MissingOptionalFieldsAreNull) {
    const ParsedEvent parsed = parse_event(
        R"({"id":1,"event_id":"e","event_type":"t","created_at":"2026-01-01T00:00:00.000Z"})");
    ASSERT_EQ(parsed.error, "");
    EXPECT_FALSE(parsed.fields->booking_id.has_value());
    EXPECT_FALSE(parsed.fields->description.has_value());
}

TEST(EventLineTest, SomethingElseOnTheChannelIsRejectedWithAReason) {
    EXPECT_EQ(parse_event("").error, "not JSON");
    EXPECT_EQ(parse_event("hello").error, "not JSON");
    EXPECT_EQ(parse_event("[1]").error, "not a JSON object");
    EXPECT_EQ(parse_event(R"({"event_id":"e"})").error, "\"id\" is not an integer");
    EXPECT_EQ(parse_event(R"({"id":"7","event_id":"e"})").error, "\"id\" is not an integer");
    EXPECT_EQ(parse_event(R"({"id":7,"event_type":"t","created_at":"c"})").error,
              "\"event_id\" is not a string");
    EXPECT_EQ(
        parse_event(R"({"id":7,"event_id":"e","event_type":"t","created_at":"c","user_id":5})")
            .error,
        "\"user_id\" is neither a string nor null");
}

TEST(HintedOutboxIdTest, ThePositiveIntegerIdOfAnyObject) {
    EXPECT_EQ(hinted_outbox_id(R"({"event_type":"booking.created","id":42})"), 42);
    EXPECT_EQ(hinted_outbox_id(kNotification), 42);
    EXPECT_EQ(hinted_outbox_id(R"({"id":9223372036854775000})"), 9223372036854775000);
}

TEST(HintedOutboxIdTest, NothingElseIsAHint) {
    EXPECT_FALSE(hinted_outbox_id(""));
    EXPECT_FALSE(hinted_outbox_id("not json"));
    EXPECT_FALSE(hinted_outbox_id("[1]"));
    EXPECT_FALSE(hinted_outbox_id(R"({"id":"42"})"));
    EXPECT_FALSE(hinted_outbox_id(R"({"id":1.5})"));
    EXPECT_FALSE(hinted_outbox_id(R"({"id":0})"));
    EXPECT_FALSE(hinted_outbox_id(R"({"id":-3})"));
    EXPECT_FALSE(hinted_outbox_id(R"({"id":18446744073709551615})"));
}

}  // namespace
}  // namespace booking_events::listen
