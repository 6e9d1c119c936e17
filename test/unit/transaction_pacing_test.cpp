#include "core/transaction_pacing.hpp"

#include <gtest/gtest.h>

namespace booking_events {
namespace {

constexpr std::int64_t kWindowUs = 2000;

TEST(TransactionPacingTest, TheFirstTransactionStartsAtOnce) {
    TransactionPacing pacing(kWindowUs);
    EXPECT_EQ(pacing.wait_us(123456, 0), 0);
    EXPECT_EQ(pacing.wait_ms(123456, 0), 0);
}

TEST(TransactionPacingTest, AWakeUpWithinTheWindowWaitsForItsEnd) {
    TransactionPacing pacing(kWindowUs);
    pacing.started(10000);
    EXPECT_EQ(pacing.wait_us(10000, 0), kWindowUs);
    EXPECT_EQ(pacing.wait_us(10500, 0), 1500);
    EXPECT_EQ(pacing.wait_ms(10500, 0), 2) << "rounded up: the wait never wakes too early";
    EXPECT_EQ(pacing.wait_ms(11999, 0), 1);
    EXPECT_EQ(pacing.wait_us(12000, 0), 0);
}

TEST(TransactionPacingTest, AfterAQuietSpellTheWakeUpIsServedAtOnce) {
    TransactionPacing pacing(kWindowUs);
    pacing.started(10000);
    EXPECT_EQ(pacing.wait_us(500000, 0), 0);
}

TEST(TransactionPacingTest, NoWakeUpWaitsLongerThanTheWindow) {
    TransactionPacing pacing(kWindowUs);
    for (std::int64_t now = 0; now < 100000; now += 700) {
        EXPECT_LE(pacing.wait_us(now, 0), kWindowUs);
        if (pacing.wait_us(now, 0) == 0) pacing.started(now);
    }
}

TEST(TransactionPacingTest, AClaimCutShortIsContinuedAtOnce) {
    TransactionPacing pacing(kWindowUs);
    pacing.started(10000);
    pacing.continue_at_once();
    EXPECT_EQ(pacing.wait_us(10100, 0), 0);
    pacing.started(10100);
    EXPECT_EQ(pacing.wait_us(10200, 0), 1900) << "the next one is paced again";
}

TEST(TransactionPacingTest, AZeroWindowNeverWaits) {
    TransactionPacing pacing(0);
    pacing.started(10000);
    EXPECT_EQ(pacing.wait_us(10000, 0), 0);
}

TEST(TransactionPacingTest, EnoughFinishedAttemptsStartATransactionAtOnce) {
    TransactionPacing pacing(kWindowUs);
    pacing.set_request_slots(32);
    ASSERT_EQ(pacing.full_transaction(), 8u) << "a quarter of 32 slots";
    pacing.started(10000);
    EXPECT_EQ(pacing.wait_us(10100, 7), 1900) << "a trickle is gathered";
    EXPECT_EQ(pacing.wait_us(10100, 8), 0) << "a full transaction goes at once";
    EXPECT_EQ(pacing.wait_ms(10100, 9), 0);
}

TEST(TransactionPacingTest, AFullTransactionIsAtMostEightAndAtLeastOneAttempt) {
    TransactionPacing pacing(kWindowUs);
    pacing.set_request_slots(1000);
    EXPECT_EQ(pacing.full_transaction(), 8u);
    pacing.set_request_slots(3);
    EXPECT_EQ(pacing.full_transaction(), 1u)
        << "with few slots every answer counts: one slot must not be held empty";
    pacing.started(10000);
    EXPECT_EQ(pacing.wait_us(10100, 1), 0);
    EXPECT_EQ(pacing.wait_us(10100, 0), 1900) << "a commit alone is still gathered";
    pacing.set_request_slots(0);
    EXPECT_EQ(pacing.full_transaction(), 1u);
}

}  // namespace
}  // namespace booking_events
