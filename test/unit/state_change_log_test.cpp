#include "core/state_change_log.hpp"

#include <cstdint>
#include <random>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

constexpr std::int64_t kInterval = 10000;

TEST(StateChangeLogTest, FirstFailureIsReportedAtOnce) {
    StateChangeLog log(kInterval);
    EXPECT_FALSE(log.observe(false, 0));
    const std::optional<StateReport> line = log.observe(true, 5);
    ASSERT_TRUE(line);
    EXPECT_TRUE(line->failing);
    EXPECT_EQ(line->failures, 1);
    EXPECT_EQ(line->successes, 1);
}

TEST(StateChangeLogTest, RecoveryWaitsForTheIntervalAndCarriesTheCounts) {
    StateChangeLog log(kInterval);
    ASSERT_TRUE(log.observe(true, 0));
    for (int i = 1; i <= 4; ++i) EXPECT_FALSE(log.observe(true, i));
    EXPECT_FALSE(log.observe(false, 100)) << "recovered, but within the interval";
    EXPECT_FALSE(log.due(kInterval - 1));
    const std::optional<StateReport> line = log.due(kInterval);
    ASSERT_TRUE(line);
    EXPECT_FALSE(line->failing);
    EXPECT_EQ(line->failures, 4);
    EXPECT_EQ(line->successes, 1);
    EXPECT_FALSE(log.due(kInterval + 1)) << "one line per change";
}

TEST(StateChangeLogTest, AChangeUndoneWithinTheIntervalIsNeverReported) {
    StateChangeLog log(kInterval);
    ASSERT_TRUE(log.observe(true, 0));
    EXPECT_FALSE(log.observe(false, 10));
    EXPECT_FALSE(log.observe(true, 20));
    EXPECT_FALSE(log.due(kInterval * 5)) << "still failing, as last reported";
}

TEST(StateChangeLogTest, RandomFailuresGiveAtMostOneLinePerInterval) {
    StateChangeLog log(kInterval);
    std::mt19937 random(42);
    std::bernoulli_distribution fails(0.3);
    int lines = 0;
    std::int64_t observed = 0;
    constexpr std::int64_t kDurationMs = 60000;
    for (std::int64_t now = 0; now < kDurationMs; ++now) {
        // A few outcomes per millisecond, as a worker with 32 requests in flight.
        for (int i = 0; i < 3; ++i) {
            ++observed;
            if (const auto line = log.observe(fails(random), now)) {
                ++lines;
                EXPECT_GT(line->failures + line->successes, 0);
            }
        }
    }
    EXPECT_GE(lines, 2);
    EXPECT_LE(lines, kDurationMs / kInterval + 1) << observed << " outcomes";
}

}  // namespace
}  // namespace booking_events
