#include "core/outcome_ring.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace booking_events {
namespace {

RecordedOutcome outcome(std::int64_t outbox_id, const std::string &error = "") {
    RecordedOutcome o;
    o.extension_oid = 16384;
    o.outbox_id = outbox_id;
    o.endpoint = "default";
    o.event_id = "0b7e7dc6-4e0e-4a52-9d2a-6c1f3f0b8a1" + std::to_string(outbox_id % 10);
    o.event_type = "booking.status_changed";
    o.attempt = 3;
    o.step = 2;
    o.http_status = error.empty() ? 200 : 0;
    o.has_error = !error.empty();
    o.error = error;
    o.response_time_ms = 12.5;
    o.retry_delay_ms = 4000;
    o.outside_budget = outbox_id % 2 == 0;
    return o;
}

class OutcomeRingTest : public ::testing::Test {
  protected:
    explicit OutcomeRingTest(std::size_t capacity = 4096) : bytes_(capacity) {
        OutcomeRing::initialise(&positions_);
    }
    OutcomeRing ring() { return OutcomeRing(&positions_, bytes_.data(), bytes_.size()); }

    OutcomeRingPositions positions_;
    std::vector<char> bytes_;
};

TEST_F(OutcomeRingTest, WhatIsPushedIsReadBackFieldByField) {
    OutcomeRing r = ring();
    const RecordedOutcome first = outcome(1);
    const RecordedOutcome second = outcome(2, "connection refused \xe2\x80\x94 \"quoted\"\n");
    const auto end1 = r.push(first);
    const auto end2 = r.push(second);
    ASSERT_TRUE(end1 && end2);
    EXPECT_EQ(*end1, OutcomeRing::encoded_size(first));
    EXPECT_EQ(*end2, *end1 + OutcomeRing::encoded_size(second));
    EXPECT_EQ(r.written(), *end2);
    std::uint64_t end = 0;
    const std::vector<RecordedOutcome> read = r.read(0, 10, &end);
    ASSERT_EQ(read.size(), 2u);
    EXPECT_EQ(read[0], first);
    EXPECT_EQ(read[1], second);
    EXPECT_EQ(end, *end2);
}

TEST_F(OutcomeRingTest, ReadStopsAtMaxAndContinuesFromTheEndItGave) {
    OutcomeRing r = ring();
    for (int i = 1; i <= 5; ++i) ASSERT_TRUE(r.push(outcome(i)));
    std::uint64_t end = 0;
    std::vector<RecordedOutcome> read = r.read(0, 2, &end);
    ASSERT_EQ(read.size(), 2u);
    EXPECT_EQ(read[1].outbox_id, 2);
    read = r.read(end, 10, &end);
    ASSERT_EQ(read.size(), 3u);
    EXPECT_EQ(read[0].outbox_id, 3);
    EXPECT_EQ(end, r.written());
    EXPECT_TRUE(r.read(end, 10, &end).empty()) << "nothing published after the end";
}

TEST_F(OutcomeRingTest, RoomIsReusedOnlyOnceCommitted) {
    OutcomeRing r = ring();
    int pushed = 0;
    while (r.push(outcome(pushed + 1))) ++pushed;
    ASSERT_GT(pushed, 5);
    EXPECT_FALSE(r.push(outcome(99))) << "full: nothing is overwritten before it is committed";
    std::uint64_t end = 0;
    // Read but not committed (a recorder that failed): still no room, and
    // the outcomes are still there for whoever records them.
    ASSERT_EQ(r.read(0, 3, &end).size(), 3u);
    EXPECT_FALSE(r.push(outcome(99)));
    std::uint64_t again = 0;
    EXPECT_EQ(r.read(0, 1000, &again).size(), static_cast<std::size_t>(pushed));
    r.commit(end);
    EXPECT_EQ(r.committed(), end);
    EXPECT_TRUE(r.push(outcome(99)));
}

TEST_F(OutcomeRingTest, OutcomesWrapAroundTheEndOfTheBytesIntact) {
    OutcomeRing r = ring();
    std::uint64_t read_to = 0;
    // Many rounds of push, read, commit move the positions past the
    // capacity several times, so records straddle the end of the bytes.
    for (int round = 0; round < 200; ++round) {
        const RecordedOutcome sent =
            outcome(round, std::string(static_cast<std::size_t>(round % 37), 'e'));
        ASSERT_TRUE(r.push(sent)) << round;
        std::uint64_t end = 0;
        const std::vector<RecordedOutcome> read = r.read(read_to, 10, &end);
        ASSERT_EQ(read.size(), 1u);
        EXPECT_EQ(read[0], sent) << round;
        r.commit(end);
        read_to = end;
    }
    EXPECT_GT(r.written(), 3 * bytes_.size());
}

TEST_F(OutcomeRingTest, AnOutcomeLargerThanTheRingNeverFits) {
    OutcomeRing r = ring();
    EXPECT_FALSE(r.push(outcome(1, std::string(bytes_.size(), 'x'))));
    EXPECT_EQ(r.written(), 0u);
    EXPECT_TRUE(r.push(outcome(2)));
}

TEST_F(OutcomeRingTest, DiscardGivesUpEverythingPublished) {
    OutcomeRing r = ring();
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(r.push(outcome(i)));
    r.discard_unrecorded();
    EXPECT_EQ(r.committed(), r.written());
    std::uint64_t end = 0;
    EXPECT_TRUE(r.read(r.committed(), 10, &end).empty());
}

}  // namespace
}  // namespace booking_events
