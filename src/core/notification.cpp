#include "core/notification.hpp"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

namespace booking_events {

std::vector<std::string> notification_channels(const NotificationFields &fields) {
    std::vector<std::string> channels{kAllEventsChannel};
    const std::array<std::pair<const char *, const std::optional<std::string> *>, 4> scoped = {{
        {"booking", &fields.booking_id},
        {"user", &fields.user_id},
        {"client", &fields.client_id},
        {"provider", &fields.provider_id},
    }};
    for (const auto &[scope, id] : scoped) {
        if (!*id || (*id)->empty()) continue;
        std::string channel = std::string(kAllEventsChannel) + ":" + scope + ":" + **id;
        if (channel.size() <= kChannelNameMaxBytes) channels.push_back(std::move(channel));
    }
    return channels;
}

std::string utf8_prefix(const std::string &text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t end = max_bytes;
    // Step back over continuation bytes (10xxxxxx) to a sequence start.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

namespace {

nlohmann::json optional_json(const std::optional<std::string> &value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::string render(const NotificationFields &fields) {
    nlohmann::json payload = {
        {"id", fields.outbox_id},
        {"event_id", fields.event_id},
        {"event_type", fields.event_type},
        {"booking_id", optional_json(fields.booking_id)},
        {"user_id", optional_json(fields.user_id)},
        {"client_id", optional_json(fields.client_id)},
        {"provider_id", optional_json(fields.provider_id)},
        {"description", optional_json(fields.description)},
        {"created_at", fields.created_at},
    };
    return payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string notification_hint(const NotificationFields &fields, std::size_t max_bytes) {
    const auto render_hint = [&](const std::string &event_type) {
        return nlohmann::json{{"id", fields.outbox_id}, {"event_type", event_type}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    std::string hint = render_hint(fields.event_type);
    // Escaping can double the text; halve until it fits.
    for (std::size_t keep = fields.event_type.size(); hint.size() > max_bytes && keep > 0;) {
        keep /= 2;
        hint = render_hint(utf8_prefix(fields.event_type, keep));
    }
    return hint;
}

std::string notification_payload(const NotificationFields &fields, std::size_t max_bytes) {
    std::string payload = render(fields);
    if (payload.size() <= max_bytes) return payload;

    NotificationFields shortened = fields;
    if (shortened.description) {
        // JSON escaping can make the text longer than its bytes, so shorten
        // by what is over and try again until it fits or nothing is left.
        while (payload.size() > max_bytes && !shortened.description->empty()) {
            const std::size_t over = payload.size() - max_bytes + 3;
            const std::size_t keep =
                shortened.description->size() > over ? shortened.description->size() - over : 0;
            shortened.description = utf8_prefix(*shortened.description, keep) + "...";
            if (keep == 0) shortened.description = std::string();
            payload = render(shortened);
        }
    }
    // Ids too long to be useful still must not stop the event: drop the
    // longest until it fits.
    std::array<std::optional<std::string> *, 5> droppable = {
        &shortened.description, &shortened.provider_id, &shortened.client_id, &shortened.user_id,
        &shortened.booking_id};
    while (payload.size() > max_bytes) {
        auto longest = std::max_element(droppable.begin(), droppable.end(), [](auto *a, auto *b) {
            return (a->has_value() ? (*a)->size() : 0) < (b->has_value() ? (*b)->size() : 0);
        });
        if (!(*longest)->has_value()) break;
        **longest = std::nullopt;
        payload = render(shortened);
    }
    if (payload.size() > max_bytes) {
        // Only event_type can still be this long: keep the event's identity.
        shortened.event_type = utf8_prefix(shortened.event_type, max_bytes / 2);
        payload = render(shortened);
    }
    return payload;
}

}  // namespace booking_events
