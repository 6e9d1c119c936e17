#include "core/claim_start.hpp"

#include <gtest/gtest.h>

namespace booking_events {
namespace {

// A start whose full claim from the start at `now_ms` found `head` pending.
ClaimStart marked_at(std::int64_t head, std::int64_t now_ms) {
    ClaimStart start;
    start.claimed(0, 10, 10, now_ms);
    start.head_found(head);
    return start;
}

TEST(ClaimStartTest, TheFirstClaimReadsFromTheStart) {
    ClaimStart start;
    EXPECT_EQ(start.from(0), 0);
    EXPECT_EQ(start.from(123456), 0);
}

TEST(ClaimStartTest, AFullClaimLooksUpTheHeadAndTheNextClaimStartsThere) {
    ClaimStart start;
    EXPECT_FALSE(start.claimed(0, 10, 10, 1000));
    EXPECT_TRUE(start.wants_head());
    start.head_found(500);
    EXPECT_EQ(start.from(1001), 500);
    EXPECT_FALSE(start.claimed(500, 10, 10, 1001));
    EXPECT_TRUE(start.wants_head());
    start.head_found(510);
    EXPECT_EQ(start.from(1002), 510);
}

TEST(ClaimStartTest, AShortClaimFromAMarkIsRunAgainFromTheStart) {
    ClaimStart start = marked_at(500, 1000);
    EXPECT_TRUE(start.claimed(500, 3, 10, 1100)) << "a delivery below the mark may be due";
    EXPECT_FALSE(start.wants_head());
    EXPECT_EQ(start.from(1101), 0);
}

TEST(ClaimStartTest, AShortClaimFromTheStartIsNotRunAgain) {
    ClaimStart start;
    EXPECT_FALSE(start.claimed(0, 3, 10, 1000));
    EXPECT_FALSE(start.wants_head()) << "near the end of the queue a mark saves nothing";
    EXPECT_EQ(start.from(1001), 0);
}

TEST(ClaimStartTest, AClaimFromTheStartRunsAtLeastOnceAnInterval) {
    ClaimStart start = marked_at(500, 1000);
    std::int64_t now = 1000;
    for (; now < 1000 + kFullClaimIntervalMs; now += 100) {
        ASSERT_EQ(start.from(now), 500);
        start.claimed(500, 10, 10, now);
        start.head_found(500);
    }
    EXPECT_EQ(start.from(now), 0) << "full claims from the mark do not postpone it";
    start.claimed(0, 10, 10, now);
    start.head_found(600);
    EXPECT_EQ(start.from(now + 1), 600);
}

TEST(ClaimStartTest, AClockGoingBackwardsReadsFromTheStart) {
    ClaimStart start = marked_at(500, 5000);
    EXPECT_EQ(start.from(4999), 0);
}

TEST(ClaimStartTest, NoPendingHeadReadsFromTheStart) {
    ClaimStart start = marked_at(0, 1000);
    EXPECT_EQ(start.from(1001), 0);
}

TEST(ClaimStartTest, AClaimWithNoOldestLaneChangesNothing) {
    ClaimStart start = marked_at(500, 1000);
    EXPECT_FALSE(start.claimed(500, 0, 0, 1001));
    EXPECT_FALSE(start.wants_head());
    EXPECT_EQ(start.from(1002), 500);
}

TEST(ClaimStartTest, ForgetReadsFromTheStart) {
    ClaimStart start = marked_at(500, 1000);
    start.forget();
    EXPECT_EQ(start.from(1001), 0);
}

}  // namespace
}  // namespace booking_events
