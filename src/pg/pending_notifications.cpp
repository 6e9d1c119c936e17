#include "pg/pending_notifications.hpp"

#include <algorithm>
#include <utility>

#include "pg/listen_fence.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

namespace {

struct PendingNotification {
    std::string channel;
    std::string payload;
    int nest_level;  // subtransaction that queued it
};

// Static storage: the callbacks below may be left by an ERROR's longjmp, so
// no object they touch lives on their stack.
std::vector<PendingNotification> pending;

// Share of the notification queue above which events are no longer
// published in real time: a listener that stopped reading lets the queue
// fill, and a full queue fails every notifying COMMIT.
constexpr double kQueueHighWater = 0.5;

void send_pending() {
    if (pending.empty()) return;
    if (!notifications_may_be_received()) {
        elog(DEBUG1, "booking_events: %zu notifications not sent: no session listens",
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
    for (std::size_t i = 0; i < pending.size(); ++i)
        Async_Notify(pending[i].channel.c_str(), pending[i].payload.c_str());
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
        pending.erase(std::remove_if(pending.begin(), pending.end(),
                                     [level](const PendingNotification &notification) {
                                         return notification.nest_level >= level;
                                     }),
                      pending.end());
    } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
        for (PendingNotification &notification : pending)
            if (notification.nest_level >= level) notification.nest_level = level - 1;
    }
}

}  // namespace

void queue_notifications(std::vector<std::string> channels, std::string payload) {
    const int level = GetCurrentTransactionNestLevel();
    for (std::string &channel : channels)
        pending.push_back(PendingNotification{std::move(channel), payload, level});
}

void install_notification_callbacks() {
    RegisterXactCallback(on_transaction_event, nullptr);
    RegisterSubXactCallback(on_subtransaction_event, nullptr);
}

}  // namespace booking_events
