#include "listen/subscription.hpp"

#include <algorithm>
#include <array>

namespace booking_events::listen {

namespace {

struct FilterScope {
    const char *scope;  // as in the channel name
    const char *option;
    const std::vector<std::string> EventFilters::*ids;
};

constexpr std::array<FilterScope, 4> kScopes = {{
    {"booking", "--booking", &EventFilters::booking_ids},
    {"user", "--user", &EventFilters::user_ids},
    {"client", "--client", &EventFilters::client_ids},
    {"provider", "--provider", &EventFilters::provider_ids},
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
                subscription.warnings.push_back(std::string(scope.option) + " " + id +
                                                ": the channel name \"" + channel + "\" is over " +
                                                std::to_string(kChannelNameMaxBytes) +
                                                " bytes, so listening on all events");
                subscription.listens_to_all_events = true;
            } else if (!contains(subscription.channels, channel)) {
                subscription.channels.push_back(std::move(channel));
            }
        }
    }
    if (subscription.listens_to_all_events) subscription.channels = {kAllEventsChannel};
    return subscription;
}

}  // namespace booking_events::listen
