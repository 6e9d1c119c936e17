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

}  // namespace
}  // namespace booking_events
