#include "listen/event_tracker.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

namespace booking_events::listen {
namespace {

TEST(EventTrackerTest, EachIdIsPrintedOnce) {
    EventTracker tracker(100);
    EXPECT_TRUE(tracker.first_time(5));
    EXPECT_FALSE(tracker.first_time(5));  // the same event on another channel
    EXPECT_TRUE(tracker.first_time(6));
    EXPECT_FALSE(tracker.first_time(5));
    EXPECT_FALSE(tracker.first_time(6));  // and again in a replay
    EXPECT_EQ(tracker.newest(), 6);
}

TEST(EventTrackerTest, OutOfOrderIdsAreStillPrintedOnce) {
    // A transaction that took id 7 commits after the one that took 9.
    EventTracker tracker(100);
    EXPECT_TRUE(tracker.first_time(9));
    EXPECT_TRUE(tracker.first_time(7));
    EXPECT_EQ(tracker.newest(), 9);
    EXPECT_FALSE(tracker.first_time(7));
    EXPECT_FALSE(tracker.first_time(9));
}

TEST(EventTrackerTest, ReplayStartsLookbackBelowTheNewestId) {
    EventTracker tracker(10);
    EXPECT_EQ(tracker.replay_after(), 0);
    tracker.first_time(4);
    EXPECT_EQ(tracker.replay_after(), 0);  // never below zero
    tracker.first_time(25);
    EXPECT_EQ(tracker.replay_after(), 15);
    tracker.first_time(20);  // older ids do not move the window
    EXPECT_EQ(tracker.replay_after(), 15);
}

TEST(EventTrackerTest, SinceIsAFloorForEveryReplay) {
    EventTracker tracker(10);
    tracker.start_after(100);
    EXPECT_EQ(tracker.newest(), 100);
    EXPECT_EQ(tracker.replay_after(), 100);
    tracker.first_time(105);
    EXPECT_EQ(tracker.replay_after(), 100);  // not 95: the user asked for > 100
    tracker.first_time(130);
    EXPECT_EQ(tracker.replay_after(), 120);
    // A live event below --since (a late commit) is still new.
    EXPECT_TRUE(tracker.first_time(99));
}

TEST(EventTrackerTest, ExistingEventsAreNeverPrinted) {
    // Started without --since while the outbox held ids up to 50, of which
    // 45 and 48 match: a replay from 40 after a reconnect must print only
    // 47, which committed later.
    EventTracker tracker(10);
    tracker.advance_to(50);
    EXPECT_EQ(tracker.replay_after(), 40);
    tracker.mark_existing(45);
    tracker.mark_existing(48);
    EXPECT_FALSE(tracker.first_time(45));
    EXPECT_TRUE(tracker.first_time(47));
    EXPECT_FALSE(tracker.first_time(48));
    EXPECT_TRUE(tracker.first_time(51));
}

TEST(EventTrackerTest, AdvanceNeverMovesBack) {
    EventTracker tracker(10);
    tracker.first_time(30);
    tracker.advance_to(20);
    EXPECT_EQ(tracker.newest(), 30);
    EXPECT_EQ(tracker.replay_after(), 20);
}

TEST(EventTrackerTest, EveryIdInTheReplayWindowIsRemembered) {
    // More ids in the window than the recent ones kept anyway.
    EventTracker tracker(3000);
    for (std::int64_t id = 1; id <= 9999; id += 2) tracker.first_time(id);
    ASSERT_EQ(tracker.replay_after(), 6999);
    ASSERT_GT((9999 - 6999) / 2, static_cast<int>(EventTracker::kRecentIdsKept));
    for (std::int64_t id = 7001; id <= 9999; id += 2) EXPECT_FALSE(tracker.first_time(id)) << id;
    // Below the window, long ago: forgotten.
    EXPECT_TRUE(tracker.first_time(6001));
}

TEST(EventTrackerTest, MemoryStaysBounded) {
    const std::int64_t lookback = 100;
    EventTracker tracker(lookback);
    for (std::int64_t id = 1; id <= 100000; ++id) {
        ASSERT_TRUE(tracker.first_time(id));
        if (id % 1000 == 0) {
            ASSERT_LE(tracker.remembered(),
                      static_cast<std::size_t>(lookback) + EventTracker::kRecentIdsKept);
        }
    }
    // Far below the window and long ago: forgotten.
    EXPECT_TRUE(tracker.first_time(1));
}

TEST(EventTrackerTest, ALateEventBelowTheWindowIsPrintedOnceForAllItsChannels) {
    EventTracker tracker(10);
    tracker.first_time(1000);
    // Committed long after it took id 3: live on its booking channel, then
    // on its user channel, with another event in between.
    EXPECT_TRUE(tracker.first_time(3));
    EXPECT_TRUE(tracker.first_time(1001));
    EXPECT_FALSE(tracker.first_time(3));
}

TEST(EventTrackerTest, NegativeLookbackActsAsZero) {
    EventTracker tracker(-5);
    tracker.first_time(8);
    EXPECT_EQ(tracker.replay_after(), 8);
}

TEST(EventTrackerTest, ANotificationReplaysFromTheNewestIdPrinted) {
    EventTracker tracker(10);
    tracker.first_time(40);
    EXPECT_EQ(tracker.replay_after_hint(std::nullopt), 40);
}

TEST(EventTrackerTest, AHintBelowTheNewestIdLooksBackToIt) {
    // id 35 committed after 40 was printed: its notification names it.
    EventTracker tracker(10);
    tracker.first_time(40);
    EXPECT_EQ(tracker.replay_after_hint(35), 34);
}

TEST(EventTrackerTest, AForgedHintCanNeitherSkipNorReachBelowTheWindow) {
    EventTracker tracker(10);
    tracker.first_time(40);
    // A huge id would skip every real event up to it: ignored.
    EXPECT_EQ(tracker.replay_after_hint(INT64_MAX), 40);
    EXPECT_EQ(tracker.replay_after_hint(41), 40);
    // A tiny one would replay the whole window for nothing (no look back
    // returns an id at or below its start): ignored too.
    EXPECT_EQ(tracker.replay_after_hint(1), 40);
    EXPECT_EQ(tracker.replay_after_hint(30), 40);
    EXPECT_EQ(tracker.newest(), 40);
}

TEST(EventTrackerTest, AHintOfAnIdAlreadyPrintedIsIgnored) {
    // Its event is printed; looking back for it finds nothing new, whoever
    // sent the notification (a copy on another channel, a forger).
    EventTracker tracker(10);
    tracker.first_time(35);
    tracker.first_time(40);
    EXPECT_EQ(tracker.replay_after_hint(35), 40);
    EXPECT_EQ(tracker.replay_after_hint(40), 40);
    // One not printed yet is looked back to.
    EXPECT_EQ(tracker.replay_after_hint(36), 35);
    EXPECT_EQ(tracker.replay_after_hint(31), 30);
}

TEST(EventTrackerTest, AHintNeverGoesBelowSince) {
    EventTracker tracker(1000);
    tracker.start_after(500);
    EXPECT_EQ(tracker.replay_after_hint(3), 500);
}

}  // namespace
}  // namespace booking_events::listen
