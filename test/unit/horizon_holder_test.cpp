#include "core/horizon_holder.hpp"

#include <gtest/gtest.h>

namespace booking_events {
namespace {

OpenTransaction backend(int pid, std::uint32_t horizon_age_xids, double open_seconds) {
    OpenTransaction transaction;
    transaction.pid = pid;
    transaction.horizon_age_xids = horizon_age_xids;
    transaction.open_seconds = open_seconds;
    transaction.same_database = true;
    return transaction;
}

OpenTransaction prepared(const std::string &gid, std::uint32_t horizon_age_xids,
                         double open_seconds) {
    OpenTransaction transaction = backend(0, horizon_age_xids, open_seconds);
    transaction.prepared_gid = gid;
    return transaction;
}

TEST(HorizonHolderTest, AnOrdinaryTransactionOfTheDatabaseHoldsBack) {
    EXPECT_TRUE(holds_back_outbox(backend(1, 10, 60)));
}

TEST(HorizonHolderTest, LazyVacuumAndLogicalDecodingHoldNothingBack) {
    OpenTransaction vacuum = backend(1, 10, 60);
    vacuum.lazy_vacuum = true;
    EXPECT_FALSE(holds_back_outbox(vacuum));
    OpenTransaction decoding = backend(2, 10, 60);
    decoding.logical_decoding = true;
    EXPECT_FALSE(holds_back_outbox(decoding));
    decoding.relays_standby_feedback = true;  // the flags are checked first
    EXPECT_FALSE(holds_back_outbox(decoding));
}

TEST(HorizonHolderTest, AnotherDatabaseCountsOnlyWhenRelayingStandbyFeedback) {
    OpenTransaction elsewhere = backend(1, 10, 60);
    elsewhere.same_database = false;
    EXPECT_FALSE(holds_back_outbox(elsewhere));
    elsewhere.relays_standby_feedback = true;
    EXPECT_TRUE(holds_back_outbox(elsewhere));
}

TEST(HorizonHolderTest, NoneWhenNothingIsOpenLongEnough) {
    EXPECT_FALSE(horizon_holder_to_name({}).has_value());
    EXPECT_FALSE(horizon_holder_to_name({backend(1, 1000, kLongTransactionSeconds - 0.5)}));
    EXPECT_EQ(horizon_holder_to_name({backend(1, 1000, kLongTransactionSeconds)})->pid, 1);
}

TEST(HorizonHolderTest, FalseHoldersDoNotHideTheRealOne) {
    OpenTransaction vacuum = backend(1, 5000, 600);
    vacuum.lazy_vacuum = true;
    OpenTransaction elsewhere = backend(2, 4000, 500);
    elsewhere.same_database = false;
    const std::optional<OpenTransaction> named =
        horizon_holder_to_name({vacuum, elsewhere, backend(3, 10, 40)});
    ASSERT_TRUE(named.has_value());
    EXPECT_EQ(named->pid, 3);
    EXPECT_FALSE(horizon_holder_to_name({vacuum, elsewhere}).has_value());
}

TEST(HorizonHolderTest, TheOldestHorizonIsNamedThenTheOneOpenLongest) {
    // Open longer, but a READ COMMITTED transaction's snapshot is fresh.
    EXPECT_EQ(horizon_holder_to_name({backend(1, 5, 3600), backend(2, 900, 45)})->pid, 2);
    EXPECT_EQ(horizon_holder_to_name({backend(1, 900, 40), backend(2, 900, 45)})->pid, 2);
}

TEST(HorizonHolderTest, APreparedTransactionIsNamedByItsIdentifier) {
    const std::optional<OpenTransaction> named =
        horizon_holder_to_name({backend(7, 10, 100), prepared("forgotten", 20, 35)});
    ASSERT_TRUE(named.has_value());
    EXPECT_EQ(named->pid, 0);
    EXPECT_EQ(named->prepared_gid, "forgotten");
}

TEST(HorizonHolderTest, SameHolderComparesPidAndIdentifier) {
    EXPECT_TRUE(same_holder(std::nullopt, std::nullopt));
    EXPECT_FALSE(same_holder(backend(1, 0, 0), std::nullopt));
    EXPECT_FALSE(same_holder(std::nullopt, backend(1, 0, 0)));
    EXPECT_TRUE(same_holder(backend(1, 5, 40), backend(1, 9, 50)));
    EXPECT_FALSE(same_holder(backend(1, 5, 40), backend(2, 5, 40)));
    EXPECT_FALSE(same_holder(prepared("a", 1, 40), prepared("b", 1, 40)));
    EXPECT_TRUE(same_holder(prepared("a", 1, 40), prepared("a", 1, 40)));
}

TEST(HorizonHolderTest, ANewTransactionOfTheSameBackendIsANewHolder) {
    OpenTransaction first = backend(1, 5, 40);
    first.began_at = 1000;
    OpenTransaction next = backend(1, 3, 35);
    next.began_at = 2000;
    EXPECT_FALSE(same_holder(first, next));
}

// An autovacuum worker's transaction: `xact_start_seconds` ago by its
// xact_start (its table's start), holding `horizon_xid`.
OpenTransaction autovacuum(int pid, std::uint32_t horizon_xid, double xact_start_seconds,
                           std::int64_t looked_at) {
    OpenTransaction transaction = backend(pid, 1000, xact_start_seconds);
    transaction.autovacuum = true;
    transaction.horizon_xid = horizon_xid;
    transaction.began_at = looked_at - static_cast<std::int64_t>(xact_start_seconds * 1e6);
    return transaction;
}

constexpr std::int64_t kSecond = 1000000;

// Looks at `open` at `looked_at` through `sightings`, as the worker does.
std::optional<OpenTransaction> look(AutovacuumSightings &sightings,
                                    std::vector<OpenTransaction> open, std::int64_t looked_at) {
    sightings.time_autovacuum(open, looked_at);
    return horizon_holder_to_name(open);
}

TEST(HorizonHolderTest, AShortAnalyzeAfterALongVacuumIsNotNamed) {
    // The ANALYZE began 10 s ago; its xact_start is the vacuum's, 60 s ago.
    AutovacuumSightings sightings;
    const std::int64_t t0 = 1000 * kSecond;
    EXPECT_FALSE(look(sightings, {autovacuum(50, 700, 60, t0)}, t0).has_value());
    EXPECT_FALSE(look(sightings, {autovacuum(50, 700, 70, t0 + 10 * kSecond)}, t0 + 10 * kSecond)
                     .has_value());
    EXPECT_FALSE(look(sightings, {autovacuum(50, 700, 80, t0 + 20 * kSecond)}, t0 + 20 * kSecond)
                     .has_value());
}

TEST(HorizonHolderTest, AnAutovacuumHorizonHeldThirtySecondsIsNamed) {
    AutovacuumSightings sightings;
    const std::int64_t t0 = 1000 * kSecond;
    look(sightings, {autovacuum(50, 700, 60, t0)}, t0);
    const std::int64_t later = t0 + static_cast<std::int64_t>(kLongTransactionSeconds) * kSecond;
    const std::optional<OpenTransaction> named =
        look(sightings, {autovacuum(50, 700, 90, later)}, later);
    ASSERT_TRUE(named.has_value());
    EXPECT_EQ(named->pid, 50);
    EXPECT_EQ(named->began_at, t0);  // open since the first look that saw it
    EXPECT_DOUBLE_EQ(named->open_seconds, kLongTransactionSeconds);
    // Named once: the next look sees the same holder.
    const std::int64_t next = later + 10 * kSecond;
    EXPECT_TRUE(same_holder(named, look(sightings, {autovacuum(50, 700, 100, next)}, next)));
}

TEST(HorizonHolderTest, ANewAutovacuumHorizonOrTableStartsANewCount) {
    // Each table's ANALYZE with a new snapshot, 10 s each, after one long
    // vacuum of each (their xact_start grows from a minute on).
    AutovacuumSightings sightings;
    const std::int64_t t0 = 1000 * kSecond;
    for (int i = 0; i < 6; ++i) {
        const std::int64_t at = t0 + i * 10 * kSecond;
        const auto horizon = static_cast<std::uint32_t>(700 + 10 * (i / 2));
        EXPECT_FALSE(look(sightings, {autovacuum(50, horizon, 60 + i * 10, at)}, at).has_value());
    }
    // The same horizon in the next table's work (no transaction id was
    // assigned in between): its xact_start is new, so is its count.
    AutovacuumSightings idle;
    OpenTransaction first = autovacuum(50, 700, 60, t0);
    look(idle, {first}, t0);
    OpenTransaction next = autovacuum(50, 700, 60, t0 + 40 * kSecond);
    EXPECT_NE(next.began_at, first.began_at);
    EXPECT_FALSE(look(idle, {next}, t0 + 40 * kSecond).has_value());
    // Another worker with the horizon of the first is not the same one.
    AutovacuumSightings two;
    look(two, {autovacuum(51, 900, 60, t0)}, t0);
    EXPECT_FALSE(look(two, {autovacuum(52, 900, 60, t0)}, t0 + 40 * kSecond).has_value());
}

TEST(HorizonHolderTest, TheVacuumBeforeTheAnalyzeStartsNoCount) {
    // The vacuum and the ANALYZE after it show the same xact_start and, on a
    // quiet server, the same xmin.
    AutovacuumSightings sightings;
    const std::int64_t t0 = 1000 * kSecond;
    OpenTransaction vacuum = autovacuum(50, 700, 60, t0);
    vacuum.lazy_vacuum = true;
    look(sightings, {vacuum}, t0);
    EXPECT_EQ(sightings.remembered(), 0u);
    const std::int64_t analyze_at = t0 + 40 * kSecond;
    OpenTransaction analyze = autovacuum(50, 700, 100, analyze_at);
    analyze.began_at = vacuum.began_at;
    EXPECT_FALSE(look(sightings, {analyze}, analyze_at).has_value());
}

TEST(HorizonHolderTest, OtherTransactionsKeepTheirXactStart) {
    // A user's transaction open for a minute is named at the first look, and
    // an older autovacuum horizon seen for the first time does not hide it.
    AutovacuumSightings sightings;
    const std::int64_t t0 = 1000 * kSecond;
    OpenTransaction user = backend(7, 500, 60);
    user.began_at = t0 - 60 * kSecond;
    const std::optional<OpenTransaction> named =
        look(sightings, {autovacuum(50, 700, 600, t0), user}, t0);
    ASSERT_TRUE(named.has_value());
    EXPECT_EQ(named->pid, 7);
    EXPECT_EQ(named->began_at, t0 - 60 * kSecond);
}

TEST(HorizonHolderTest, SightingsRememberOnlyTheWorkersOfTheLastLook) {
    AutovacuumSightings sightings;
    const std::int64_t t0 = 1000 * kSecond;
    look(sightings, {autovacuum(50, 700, 1, t0), autovacuum(51, 701, 1, t0), backend(7, 5, 60)},
         t0);
    EXPECT_EQ(sightings.remembered(), 2u);
    look(sightings, {autovacuum(51, 701, 11, t0 + 10 * kSecond)}, t0 + 10 * kSecond);
    EXPECT_EQ(sightings.remembered(), 1u);
    // Gone for one look, then back with the same horizon: counted afresh.
    look(sightings, {}, t0 + 20 * kSecond);
    EXPECT_EQ(sightings.remembered(), 0u);
    EXPECT_FALSE(look(sightings, {autovacuum(51, 701, 40, t0 + 40 * kSecond)}, t0 + 40 * kSecond)
                     .has_value());
}

}  // namespace
}  // namespace booking_events
