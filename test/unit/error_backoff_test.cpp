#include "core/error_backoff.hpp"

#include <gtest/gtest.h>

namespace booking_events {
namespace {

constexpr BackoffPolicy kPolicy{250, 30000};

TEST(ErrorBackoffTest, DelayGrowsAndIsCapped) {
    ErrorBackoff backoff(kPolicy);
    std::int64_t previous = 0;
    for (int i = 0; i < 8; ++i) {
        const ErrorReaction reaction = backoff.on_error("25006 read-only", 0.999, i);
        EXPECT_GE(reaction.retry_in_ms, previous);
        EXPECT_LE(reaction.retry_in_ms, kPolicy.max_ms);
        previous = reaction.retry_in_ms;
    }
    for (int i = 0; i < 100; ++i) backoff.on_error("25006 read-only", 0.999, 100 + i);
    EXPECT_GE(backoff.on_error("25006 read-only", 0.0, 300).retry_in_ms, kPolicy.max_ms / 2);
}

TEST(ErrorBackoffTest, RepeatsAreCountedNotLogged) {
    ErrorBackoff backoff(kPolicy);
    EXPECT_TRUE(backoff.on_error("a", 0, 0).log);
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(backoff.on_error("a", 0, 1).log);
    const ErrorReaction other = backoff.on_error("b", 0, 2);
    EXPECT_TRUE(other.log);
    EXPECT_EQ(other.suppressed_repeats, 5);
}

TEST(ErrorBackoffTest, RecoveryIsReportedOnceWithTheCount) {
    ErrorBackoff backoff(kPolicy);
    EXPECT_FALSE(backoff.on_success(0).log) << "nothing to recover from";
    backoff.on_error("a", 0, 1000);
    backoff.on_error("a", 0, 2000);
    backoff.on_error("a", 0, 4000);
    const Recovery recovery = backoff.on_success(5000);
    EXPECT_TRUE(recovery.log);
    EXPECT_EQ(recovery.failures, 3);
    EXPECT_EQ(recovery.failing_for_ms, 4000);
    EXPECT_FALSE(backoff.on_success(6000).log);
    EXPECT_FALSE(backoff.failing());
    // The delay starts over after a recovery.
    EXPECT_LE(backoff.on_error("a", 0, 7000).retry_in_ms, kPolicy.base_ms);
}

}  // namespace
}  // namespace booking_events
