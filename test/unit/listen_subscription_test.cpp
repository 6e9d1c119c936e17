#include "listen/subscription.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace booking_events::listen {
namespace {

NotificationFields event_of(std::optional<std::string> booking, std::optional<std::string> user,
                            std::optional<std::string> client = std::nullopt,
                            std::optional<std::string> provider = std::nullopt) {
    NotificationFields event;
    event.outbox_id = 1;
    event.booking_id = std::move(booking);
    event.user_id = std::move(user);
    event.client_id = std::move(client);
    event.provider_id = std::move(provider);
    return event;
}

TEST(SubscriptionTest, NoFilterListensOnTheAllEventsChannel) {
    const Subscription subscription = plan_subscription(EventFilters{});
    EXPECT_EQ(subscription.channels, (std::vector<std::string>{"booking_events"}));
    EXPECT_FALSE(subscription.filters_locally);
    EXPECT_TRUE(subscription.warnings.empty());
    EXPECT_TRUE(subscription.accepts("booking_events", event_of(std::nullopt, std::nullopt)));
}

TEST(SubscriptionTest, OneChannelPerFilterInOptionOrderWithoutRepeats) {
    EventFilters filters;
    filters.booking_ids = {"b-1", "b-2", "b-1"};
    filters.user_ids = {"u-1"};
    filters.client_ids = {"c-1"};
    filters.provider_ids = {"p-1"};
    const Subscription subscription = plan_subscription(filters);
    EXPECT_EQ(subscription.channels,
              (std::vector<std::string>{"booking_events:booking:b-1", "booking_events:booking:b-2",
                                        "booking_events:user:u-1", "booking_events:client:c-1",
                                        "booking_events:provider:p-1"}));
    EXPECT_FALSE(subscription.filters_locally);
}

TEST(SubscriptionTest, NotificationsOnOurChannelsAreAcceptedWhateverThePayloadSays) {
    EventFilters filters;
    filters.booking_ids = {"b-1"};
    const Subscription subscription = plan_subscription(filters);
    // The payload may have lost its ids to the size limit.
    EXPECT_TRUE(
        subscription.accepts("booking_events:booking:b-1", event_of(std::nullopt, std::nullopt)));
    EXPECT_FALSE(subscription.accepts("booking_events", event_of("b-1", std::nullopt)));
    EXPECT_FALSE(subscription.accepts("booking_events:booking:b-2", event_of("b-2", std::nullopt)));
}

TEST(SubscriptionTest, AnIdTooLongForAChannelFiltersAllEventsHere) {
    const std::string long_id(60, 'x');  // "booking_events:user:" + 60 bytes > 63
    EventFilters filters;
    filters.booking_ids = {"b-1"};
    filters.user_ids = {long_id};
    const Subscription subscription = plan_subscription(filters);
    EXPECT_TRUE(subscription.filters_locally);
    EXPECT_EQ(subscription.channels, (std::vector<std::string>{"booking_events"}));
    ASSERT_EQ(subscription.warnings.size(), 1u);
    EXPECT_NE(subscription.warnings[0].find("--user " + long_id), std::string::npos);
    EXPECT_NE(subscription.warnings[0].find("over 63 bytes"), std::string::npos);

    EXPECT_TRUE(subscription.accepts("booking_events", event_of(std::nullopt, long_id)));
    EXPECT_TRUE(subscription.accepts("booking_events", event_of("b-1", std::nullopt)));
    EXPECT_FALSE(subscription.accepts("booking_events", event_of("b-2", "u-2")));
}

TEST(SubscriptionTest, TheLongestIdThatFitsGetsItsChannel) {
    EventFilters filters;
    filters.booking_ids = {std::string(63 - std::string("booking_events:booking:").size(), 'b')};
    const Subscription subscription = plan_subscription(filters);
    EXPECT_FALSE(subscription.filters_locally);
    ASSERT_EQ(subscription.channels.size(), 1u);
    EXPECT_EQ(subscription.channels[0].size(), 63u);
}

TEST(MatchesFiltersTest, AnyFilterOfAnyKindMatches) {
    EventFilters filters;
    filters.user_ids = {"u-1"};
    filters.provider_ids = {"p-1"};
    EXPECT_TRUE(matches_filters(filters, event_of("b", "u-1")));
    EXPECT_TRUE(matches_filters(filters, event_of("b", "u-2", "c", "p-1")));
    EXPECT_FALSE(matches_filters(filters, event_of("u-1", "u-2", "u-1", "p-2")));
    EXPECT_FALSE(matches_filters(filters, event_of(std::nullopt, std::nullopt)));
    EXPECT_TRUE(matches_filters(EventFilters{}, event_of(std::nullopt, std::nullopt)));
}

}  // namespace
}  // namespace booking_events::listen
