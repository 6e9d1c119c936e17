#include "core/record_gathering.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace booking_events {
namespace {

constexpr std::int64_t kWindowMs = 25;
constexpr std::size_t kMost = 64;

TEST(RecordGatheringTest, NothingWaitingIsNeverDue) {
    const RecordGathering gathering(kWindowMs, kMost);
    EXPECT_FALSE(gathering.due(0, 0, 0, 1000000));
    EXPECT_EQ(gathering.wait_ms(0, 0, 0, 1000000), -1);
}

TEST(RecordGatheringTest, AnAnswerWaitsForTheWindowFromWhenItFinished) {
    const RecordGathering gathering(kWindowMs, kMost);
    EXPECT_FALSE(gathering.due(1, 0, 1000, 1000));
    EXPECT_EQ(gathering.wait_ms(1, 0, 1000, 1000), kWindowMs);
    EXPECT_EQ(gathering.wait_ms(3, 0, 1000, 1010), 15) << "counted from the oldest answer";
    EXPECT_FALSE(gathering.due(3, 0, 1000, 1024));
    EXPECT_TRUE(gathering.due(3, 0, 1000, 1025));
    EXPECT_EQ(gathering.wait_ms(3, 0, 1000, 1025), 0);
}

TEST(RecordGatheringTest, NoAnswerWaitsLongerThanTheWindow) {
    const RecordGathering gathering(kWindowMs, kMost);
    for (std::int64_t now = 1000; now < 1100; ++now) {
        EXPECT_LE(gathering.wait_ms(5, 0, 1000, now), kWindowMs);
        EXPECT_LE(now + gathering.wait_ms(5, 0, 1000, now),
                  std::max<std::int64_t>(now, 1000 + kWindowMs));
    }
    EXPECT_TRUE(gathering.due(5, 0, 1000, 5000)) << "long overdue, e.g. after a failed transaction";
}

TEST(RecordGatheringTest, EnoughAnswersAreRecordedAtOnce) {
    const RecordGathering gathering(kWindowMs, kMost);
    EXPECT_FALSE(gathering.due(kMost - 1, 0, 1000, 1001));
    EXPECT_TRUE(gathering.due(kMost, 0, 1000, 1001));
    EXPECT_TRUE(gathering.due(kMost + 10, 0, 1000, 1000));
    EXPECT_EQ(gathering.wait_ms(kMost, 0, 1000, 1000), 0);
}

TEST(RecordGatheringTest, AZeroWindowRecordsEveryAnswerAtOnce) {
    const RecordGathering gathering(0, kMost);
    EXPECT_TRUE(gathering.due(1, 0, 1000, 1000));
}

TEST(RecordGatheringTest, AFollowersAnswerIsRecordedAtOnce) {
    const RecordGathering gathering(kWindowMs, kMost);
    EXPECT_TRUE(gathering.due(1, 1, 1000, 1000));
    EXPECT_EQ(gathering.wait_ms(3, 1, 1000, 1000), 0) << "the others go with it";
    EXPECT_FALSE(gathering.due(3, 0, 1000, 1000));
}

TEST(RecentlyRecordedBookingsTest, OnlyTheLastRecordsBookingsAreFollowed) {
    RecentlyRecordedBookings recorded;
    EXPECT_FALSE(recorded.follows("default\nb1")) << "nothing recorded yet";
    recorded.replace({"default\nb1", "default\nb2"});
    EXPECT_TRUE(recorded.follows("default\nb1"));
    EXPECT_TRUE(recorded.follows("default\nb2"));
    EXPECT_FALSE(recorded.follows("other\nb1")) << "per endpoint";
    recorded.replace({"default\nb3"});
    EXPECT_FALSE(recorded.follows("default\nb1"));
    EXPECT_TRUE(recorded.follows("default\nb3"));
    recorded.replace({});
    EXPECT_FALSE(recorded.follows("default\nb3"));
}

}  // namespace
}  // namespace booking_events
