#include "core/claim_lanes.hpp"

#include <gtest/gtest.h>

namespace booking_events {
namespace {

TEST(ClaimLanesTest, AQuarterOfAClaimGoesToTheNewestLane) {
    ClaimLanes lanes;
    const ClaimSplit split = lanes.split(100);
    EXPECT_EQ(split.oldest, 75);
    EXPECT_EQ(split.newest, 25);
}

TEST(ClaimLanesTest, SmallClaimsCarryTheQuarterAsACredit) {
    ClaimLanes lanes;
    int newest = 0;
    int oldest = 0;
    for (int claim = 0; claim < 8; ++claim) {
        const ClaimSplit split = lanes.split(2);
        EXPECT_EQ(split.oldest + split.newest, 2);
        newest += split.newest;
        oldest += split.oldest;
        lanes.claimed(true);
    }
    EXPECT_EQ(newest, 4) << "a quarter of 16 slots";
    EXPECT_EQ(oldest, 12);
}

TEST(ClaimLanesTest, WithOneSlotEveryFourthClaimIsTheNewestLaneAlone) {
    ClaimLanes lanes;
    for (int round = 0; round < 3; ++round) {
        for (int claim = 0; claim < 3; ++claim) {
            const ClaimSplit split = lanes.split(1);
            EXPECT_EQ(split.oldest, 1);
            EXPECT_EQ(split.newest, 0);
            lanes.claimed(more_may_be_due(split, 1, 0));
        }
        const ClaimSplit split = lanes.split(1);
        EXPECT_EQ(split.oldest, 0);
        EXPECT_EQ(split.newest, 1);
        // Empty (the backlog is older than two seconds): still a backlog.
        lanes.claimed(more_may_be_due(split, 0, 0));
    }
}

TEST(ClaimLanesTest, AfterAShortClaimTheOldestLaneTakesItAll) {
    ClaimLanes lanes;
    const ClaimSplit first = lanes.split(8);
    EXPECT_EQ(first.newest, 2);
    lanes.claimed(more_may_be_due(first, 3, 0));
    for (int claim = 0; claim < 5; ++claim) {
        const ClaimSplit split = lanes.split(8);
        EXPECT_EQ(split.oldest, 8) << "every due delivery was read by the last claim's oldest lane";
        EXPECT_EQ(split.newest, 0);
        lanes.claimed(more_may_be_due(split, 2, 0));
    }
    lanes.claimed(true);  // a claim filled up: a backlog again
    EXPECT_EQ(lanes.split(8).newest, 2);
}

TEST(ClaimLanesTest, NoClaimNoCredit) {
    ClaimLanes lanes;
    const ClaimSplit split = lanes.split(0);
    EXPECT_EQ(split.oldest, 0);
    EXPECT_EQ(split.newest, 0);
    EXPECT_EQ(lanes.split(-3).newest, 0);
}

TEST(ClaimLanesTest, AFullClaimMayLeaveMoreDue) {
    EXPECT_TRUE(more_may_be_due(ClaimSplit{3, 1}, 4, 0));
    EXPECT_TRUE(more_may_be_due(ClaimSplit{1, 0}, 1, 0));
}

TEST(ClaimLanesTest, AShortClaimOfTheOldestLaneLeavesNothingDue) {
    EXPECT_FALSE(more_may_be_due(ClaimSplit{3, 1}, 2, 0));
    EXPECT_FALSE(more_may_be_due(ClaimSplit{1, 0}, 0, 0));
}

TEST(ClaimLanesTest, AClaimOfTheNewestLaneAloneSaysNothingOfTheOlderEvents) {
    // One slot, a backlog older than the newest lane's two seconds: the
    // claim finds nothing, and an older delivery may be due all the same.
    EXPECT_TRUE(more_may_be_due(ClaimSplit{0, 1}, 0, 0));
}

TEST(ClaimLanesTest, RemovedDeliveriesWithoutAnEventMayUnblockTheirBookings) {
    EXPECT_TRUE(more_may_be_due(ClaimSplit{3, 1}, 1, 1));
}

}  // namespace
}  // namespace booking_events
