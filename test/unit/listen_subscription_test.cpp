#include "listen/subscription.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace booking_events::listen {
namespace {

TEST(SubscriptionTest, NoFilterListensOnTheAllEventsChannel) {
    const Subscription subscription = plan_subscription(EventFilters{});
    EXPECT_EQ(subscription.channels, (std::vector<std::string>{"booking_events"}));
    EXPECT_FALSE(subscription.listens_to_all_events);
    EXPECT_TRUE(subscription.warnings.empty());
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
    EXPECT_FALSE(subscription.listens_to_all_events);
}

TEST(SubscriptionTest, AnIdTooLongForAChannelListensOnAllEvents) {
    const std::string long_id(60, 'x');  // "booking_events:user:" + 60 bytes > 63
    EventFilters filters;
    filters.booking_ids = {"b-1"};
    filters.user_ids = {long_id};
    const Subscription subscription = plan_subscription(filters);
    EXPECT_TRUE(subscription.listens_to_all_events);
    EXPECT_EQ(subscription.channels, (std::vector<std::string>{"booking_events"}));
    ASSERT_EQ(subscription.warnings.size(), 1u);
    EXPECT_NE(subscription.warnings[0].find("--user " + long_id), std::string::npos);
    EXPECT_NE(subscription.warnings[0].find("over 63 bytes"), std::string::npos);
}

TEST(SubscriptionTest, TheLongestIdThatFitsGetsItsChannel) {
    EventFilters filters;
    filters.booking_ids = {std::string(63 - std::string("booking_events:booking:").size(), 'b')};
    const Subscription subscription = plan_subscription(filters);
    EXPECT_FALSE(subscription.listens_to_all_events);
    ASSERT_EQ(subscription.channels.size(), 1u);
    EXPECT_EQ(subscription.channels[0].size(), 63u);
}

}  // namespace
}  // namespace booking_events::listen
