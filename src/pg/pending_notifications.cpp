#include "pg/pending_notifications.hpp"

#include <algorithm>
#include <utility>

#include "pg/encoding.hpp"
#include "pg/listen_fence.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

namespace {

struct PendingEvent {
    NotificationFields fields;
    bool full_payload;
    int nest_level;  // subtransaction that queued it
};

// Static storage: the callbacks below may be left by an ERROR's longjmp, so
// no object they touch lives on their stack.
std::vector<PendingEvent> pending;

// What pre-commit hands to NOTIFY, written from `pending` (UTF-8).
struct RenderedNotification {
    std::string channel;
    std::size_t payload;  // index into rendered_payloads
};
std::vector<std::string> rendered_payloads;
std::vector<RenderedNotification> rendered;

// C++ only, no PostgreSQL call: false, with nothing rendered, when it ran
// out of memory.
bool render_pending() noexcept {
    rendered.clear();
    rendered_payloads.clear();
    try {
        for (const PendingEvent &event : pending) {
            rendered_payloads.push_back(event.full_payload ? notification_payload(event.fields)
                                                           : notification_hint(event.fields));
            for (std::string &channel : notification_channels(event.fields))
                rendered.push_back({std::move(channel), rendered_payloads.size() - 1});
        }
        return true;
    } catch (...) {
        rendered.clear();
        rendered_payloads.clear();
        return false;
    }
}

// Share of the notification queue above which events are no longer
// published in real time: a listener that stopped reading lets the queue
// fill, and a full queue fails every notifying COMMIT.
constexpr double kQueueHighWater = 0.5;

void send_pending() {
    if (pending.empty()) return;
    if (!notifications_may_be_received()) {
        elog(DEBUG1, "booking_events: %zu events' notifications not sent: no session listens",
             pending.size());
        return;
    }
    const double usage = DatumGetFloat8(DirectFunctionCall1(pg_notification_queue_usage, (Datum)0));
    if (usage > kQueueHighWater) {
        ereport(WARNING,
                (errmsg("booking_events: notification queue is %.0f%% full; %zu events not "
                        "published in real time",
                        usage * 100, pending.size()),
                 errhint("A session that LISTENs is not consuming its notifications; "
                         "booking-events-listen replays what it missed from the outbox.")));
        return;
    }
    if (!render_pending()) {
        ereport(WARNING, (errmsg("booking_events: out of memory; %zu events not published in "
                                 "real time",
                                 pending.size())));
        return;
    }
    // NOTIFY's limits raise an ERROR: what would break them is left out.
    for (const RenderedNotification &notification : rendered) {
        const std::string &payload = rendered_payloads[notification.payload];
        const char *server_payload = utf8_to_server(payload.c_str(), payload.size());
        const char *channel =
            utf8_to_server(notification.channel.c_str(), notification.channel.size());
        if (strlen(server_payload) > kNotifyPayloadMaxBytes || strlen(channel) >= NAMEDATALEN)
            continue;
        Async_Notify(channel, server_payload);
    }
}

void on_transaction_event(XactEvent event, void *) {
    switch (event) {
        case XACT_EVENT_PRE_COMMIT:
            // Still inside the transaction, before PostgreSQL's own
            // PreCommit_Notify: what is queued now goes out with the commit.
            send_pending();
            pending.clear();
            break;
        case XACT_EVENT_PRE_PREPARE:
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_COMMIT:
        case XACT_EVENT_PARALLEL_ABORT:
            pending.clear();
            break;
        default:
            break;
    }
}

void on_subtransaction_event(SubXactEvent event, SubTransactionId, SubTransactionId, void *) {
    const int level = GetCurrentTransactionNestLevel();
    if (event == SUBXACT_EVENT_ABORT_SUB) {
        pending.erase(std::remove_if(
                          pending.begin(), pending.end(),
                          [level](const PendingEvent &event) { return event.nest_level >= level; }),
                      pending.end());
    } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
        for (PendingEvent &event : pending)
            if (event.nest_level >= level) event.nest_level = level - 1;
    }
}

}  // namespace

void queue_notification(NotificationFields fields, bool full_payload) {
    pending.push_back(
        PendingEvent{std::move(fields), full_payload, GetCurrentTransactionNestLevel()});
}

void install_notification_callbacks() {
    RegisterXactCallback(on_transaction_event, nullptr);
    RegisterSubXactCallback(on_subtransaction_event, nullptr);
}

}  // namespace booking_events
