#include "core/batch_selection.hpp"

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

constexpr std::int64_t kNow = 1768644930000;

QueuedDelivery due(std::int64_t id, std::optional<std::string> booking) {
    return QueuedDelivery{id, std::move(booking), kNow - 1, false};
}

QueuedDelivery later(std::int64_t id, std::optional<std::string> booking) {
    return QueuedDelivery{id, std::move(booking), kNow + 5000, false};
}

QueuedDelivery in_flight(std::int64_t id, std::optional<std::string> booking) {
    return QueuedDelivery{id, std::move(booking), kNow - 1, true};
}

std::vector<std::int64_t> chosen_ids(const std::vector<QueuedDelivery> &queue, int batch_max) {
    std::vector<std::int64_t> ids;
    for (std::size_t index : select_batch(queue, kNow, batch_max)) ids.push_back(queue[index].id);
    return ids;
}

using Ids = std::vector<std::int64_t>;

TEST(SelectBatchTest, TakesDueDeliveriesInOrderUpToTheBatchSize) {
    const std::vector<QueuedDelivery> queue = {due(1, "a"), due(2, "b"), due(3, "a"), due(4, "c"),
                                               due(5, std::nullopt)};
    EXPECT_EQ(chosen_ids(queue, 1), (Ids{1}));
    EXPECT_EQ(chosen_ids(queue, 3), (Ids{1, 2, 3}));
    EXPECT_EQ(chosen_ids(queue, 50), (Ids{1, 2, 3, 4, 5}));
    EXPECT_EQ(chosen_ids({}, 50), Ids{});
    EXPECT_EQ(chosen_ids(queue, 0), (Ids{1}));  // nonsense size: one at a time
}

TEST(SelectBatchTest, AnEarlierEventInFlightHoldsBackItsBooking) {
    const std::vector<QueuedDelivery> queue = {in_flight(1, "a"), due(2, "a"), due(3, "b"),
                                               due(4, "a")};
    EXPECT_EQ(chosen_ids(queue, 50), (Ids{3}));
}

TEST(SelectBatchTest, AnEarlierEventNotYetDueHoldsBackItsBooking) {
    const std::vector<QueuedDelivery> queue = {later(1, "a"), due(2, "a"), due(3, "b")};
    EXPECT_EQ(chosen_ids(queue, 50), (Ids{3}));
}

TEST(SelectBatchTest, AFullBatchLeavesTheRestOfEveryBookingForLater) {
    const std::vector<QueuedDelivery> queue = {due(1, "a"), due(2, "b"), due(3, "a"), due(4, "b")};
    EXPECT_EQ(chosen_ids(queue, 2), (Ids{1, 2}));
}

TEST(SelectBatchTest, EventsWithoutABookingAreNeverHeldBack) {
    const std::vector<QueuedDelivery> queue = {in_flight(1, std::nullopt), later(2, std::nullopt),
                                               due(3, std::nullopt), due(4, "a")};
    EXPECT_EQ(chosen_ids(queue, 50), (Ids{3, 4}));
}

TEST(SelectBatchTest, SameBookingTwiceInOneBatchKeepsItsOrder) {
    const std::vector<QueuedDelivery> queue = {due(10, "a"), due(20, "a"), due(30, "a")};
    EXPECT_EQ(chosen_ids(queue, 50), (Ids{10, 20, 30}));
}

TEST(SelectBatchTest, RefusesAQueueOutOfOrder) {
    EXPECT_THROW(select_batch({due(2, "a"), due(1, "a")}, kNow, 5), std::invalid_argument);
    EXPECT_THROW(select_batch({due(1, "a"), due(1, "b")}, kNow, 5), std::invalid_argument);
}

TEST(SelectBatchTest, RandomQueuesKeepPerBookingOrderAndFillTheBatch) {
    std::mt19937_64 random(7);
    for (int round = 0; round < 2000; ++round) {
        std::vector<QueuedDelivery> queue;
        const int length = static_cast<int>(random() % 30);
        for (int i = 0; i < length; ++i) {
            QueuedDelivery delivery;
            delivery.id = (i + 1) * 3;
            if (random() % 5 != 0) delivery.booking_id = std::string(1, 'a' + random() % 4);
            delivery.due_at = kNow + (random() % 4 == 0 ? 100 : -100);
            delivery.in_flight = random() % 6 == 0;
            queue.push_back(delivery);
        }
        const int batch_max = 1 + static_cast<int>(random() % 8);
        const std::vector<std::size_t> chosen = select_batch(queue, kNow, batch_max);
        std::vector<bool> taken(queue.size(), false);
        for (std::size_t k = 0; k < chosen.size(); ++k) {
            if (k > 0) {
                ASSERT_LT(chosen[k - 1], chosen[k]);
            }
            taken[chosen[k]] = true;
        }
        ASSERT_LE(chosen.size(), static_cast<std::size_t>(batch_max));
        for (std::size_t i = 0; i < queue.size(); ++i) {
            const QueuedDelivery &delivery = queue[i];
            const bool sendable = !delivery.in_flight && delivery.due_at <= kNow;
            // Every earlier event of the same booking goes along.
            bool earlier_all_taken = true;
            for (std::size_t j = 0; j < i && delivery.booking_id; ++j)
                if (queue[j].booking_id == delivery.booking_id && !taken[j])
                    earlier_all_taken = false;
            if (taken[i]) {
                ASSERT_TRUE(sendable);
                ASSERT_TRUE(earlier_all_taken) << "round " << round << " index " << i;
            } else if (chosen.size() < static_cast<std::size_t>(batch_max)) {
                // Not a selector that takes too little: with room left, only
                // what order or readiness forbids stays behind.
                ASSERT_FALSE(sendable && earlier_all_taken) << "round " << round << " index " << i;
            }
        }
    }
}

}  // namespace
}  // namespace booking_events
