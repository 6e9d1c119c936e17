#include "listen/subscription.hpp"

#include <algorithm>
#include <array>

namespace booking_events::listen {

namespace {

struct FilterScope {
    const char *scope;  // as in the channel name
    const char *option;
    const std::vector<std::string> EventFilters::*ids;
    const std::optional<std::string> NotificationFields::*event_id;
};

constexpr std::array<FilterScope, 4> kScopes = {{
    {"booking", "--booking", &EventFilters::booking_ids, &NotificationFields::booking_id},
    {"user", "--user", &EventFilters::user_ids, &NotificationFields::user_id},
    {"client", "--client", &EventFilters::client_ids, &NotificationFields::client_id},
    {"provider", "--provider", &EventFilters::provider_ids, &NotificationFields::provider_id},
}};

bool contains(const std::vector<std::string> &values, const std::string &value) {
    return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

Subscription plan_subscription(const EventFilters &filters) {
    Subscription subscription;
    subscription.filters = filters;
    if (filters.empty()) {
        subscription.channels.push_back(kAllEventsChannel);
        return subscription;
    }
    for (const FilterScope &scope : kScopes) {
        for (const std::string &id : filters.*scope.ids) {
            std::string channel = std::string(kAllEventsChannel) + ":" + scope.scope + ":" + id;
            if (channel.size() > kChannelNameMaxBytes) {
                subscription.warnings.push_back(
                    std::string(scope.option) + " " + id + ": the channel name \"" + channel +
                    "\" is over " + std::to_string(kChannelNameMaxBytes) +
                    " bytes, so listening on all events and filtering here");
                subscription.filters_locally = true;
            } else if (!contains(subscription.channels, channel)) {
                subscription.channels.push_back(std::move(channel));
            }
        }
    }
    if (subscription.filters_locally) subscription.channels = {kAllEventsChannel};
    return subscription;
}

bool matches_filters(const EventFilters &filters, const NotificationFields &event) {
    if (filters.empty()) return true;
    return std::any_of(kScopes.begin(), kScopes.end(), [&](const FilterScope &scope) {
        const std::optional<std::string> &id = event.*scope.event_id;
        return id && contains(filters.*scope.ids, *id);
    });
}

bool Subscription::accepts(const std::string &channel, const NotificationFields &event) const {
    if (!contains(channels, channel)) return false;
    // A notification on a filter's own channel matches by construction: the
    // trigger chose the channel from the row's ids, while the payload may
    // have dropped an id to stay under NOTIFY's size limit.
    return channel != kAllEventsChannel || matches_filters(filters, event);
}

}  // namespace booking_events::listen
