#include "core/record_gathering.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace booking_events {
namespace {

constexpr std::int64_t kWindowMs = 25;
constexpr std::size_t kMost = 64;

TEST(RecordGatheringTest, NothingWaitingIsNeverDue) {
    const RecordGathering gathering(kWindowMs, kMost);
    EXPECT_FALSE(gathering.due(0, 0, 1000000));
    EXPECT_EQ(gathering.wait_ms(0, 0, 1000000), -1);
}

TEST(RecordGatheringTest, AnAnswerWaitsForTheWindowFromWhenItFinished) {
    const RecordGathering gathering(kWindowMs, kMost);
    EXPECT_FALSE(gathering.due(1, 1000, 1000));
    EXPECT_EQ(gathering.wait_ms(1, 1000, 1000), kWindowMs);
    EXPECT_EQ(gathering.wait_ms(3, 1000, 1010), 15) << "counted from the oldest answer";
    EXPECT_FALSE(gathering.due(3, 1000, 1024));
    EXPECT_TRUE(gathering.due(3, 1000, 1025));
    EXPECT_EQ(gathering.wait_ms(3, 1000, 1025), 0);
}

TEST(RecordGatheringTest, NoAnswerWaitsLongerThanTheWindow) {
    const RecordGathering gathering(kWindowMs, kMost);
    for (std::int64_t now = 1000; now < 1100; ++now) {
        EXPECT_LE(gathering.wait_ms(5, 1000, now), kWindowMs);
        EXPECT_LE(now + gathering.wait_ms(5, 1000, now),
                  std::max<std::int64_t>(now, 1000 + kWindowMs));
    }
    EXPECT_TRUE(gathering.due(5, 1000, 5000)) << "long overdue, e.g. after a failed transaction";
}

TEST(RecordGatheringTest, EnoughAnswersAreRecordedAtOnce) {
    const RecordGathering gathering(kWindowMs, kMost);
    EXPECT_FALSE(gathering.due(kMost - 1, 1000, 1001));
    EXPECT_TRUE(gathering.due(kMost, 1000, 1001));
    EXPECT_TRUE(gathering.due(kMost + 10, 1000, 1000));
    EXPECT_EQ(gathering.wait_ms(kMost, 1000, 1000), 0);
}

TEST(RecordGatheringTest, AZeroWindowRecordsEveryAnswerAtOnce) {
    const RecordGathering gathering(0, kMost);
    EXPECT_TRUE(gathering.due(1, 1000, 1000));
}

}  // namespace
}  // namespace booking_events
