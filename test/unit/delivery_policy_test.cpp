#include "core/delivery_policy.hpp"

#include <cmath>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

namespace booking_events {
namespace {

const double kAlmostOne = std::nextafter(1.0, 0.0);
constexpr BackoffPolicy kDefaults{1000, 3600000};
constexpr int kMaxAttempts = 8;
// date -u -d '2026-01-17 10:15:30 UTC' +%s  -> 1768644930
constexpr std::int64_t kNowMs = 1768644930LL * 1000;

AttemptOutcome response(long status, std::string retry_after = "") {
    AttemptOutcome outcome;
    outcome.http_status = status;
    outcome.retry_after = std::move(retry_after);
    return outcome;
}

AttemptOutcome transport_error(std::string error) {
    AttemptOutcome outcome;
    outcome.error = std::move(error);
    return outcome;
}

// The first attempt failed; unit_random 0 makes the backoff exactly 500 ms.
AttemptDecision after_first(const AttemptOutcome &outcome,
                            const BackoffPolicy &policy = kDefaults) {
    return decide_after_attempt(outcome, 1, kMaxAttempts, policy, 0.0, kNowMs);
}

// ---------------------------------------------------------------------------
// classify_response

TEST(ClassifyResponseTest, TwoHundredsAreSuccess) {
    for (long status : {200L, 201L, 202L, 204L, 250L, 299L})
        EXPECT_EQ(classify_response(status), ResponseClass::Success) << status;
}

TEST(ClassifyResponseTest, NoResponseAndTransientStatusesAreRetryable) {
    for (long status : {0L, 408L, 425L, 429L, 500L, 502L, 503L, 504L, 599L})
        EXPECT_EQ(classify_response(status), ResponseClass::Retryable) << status;
}

TEST(ClassifyResponseTest, OtherStatusesArePermanent) {
    for (long status :
         {100L, 101L, 199L, 300L, 301L, 302L, 304L, 307L, 308L, 400L, 401L, 403L, 404L,
          405L, 409L, 410L, 413L, 422L, 426L, 428L, 431L, 451L, 499L, 600L, 999L, -1L})
        EXPECT_EQ(classify_response(status), ResponseClass::Permanent) << status;
}

// ---------------------------------------------------------------------------
// decide_after_attempt

TEST(DecideAfterAttemptTest, TwoHundredsAreDelivered) {
    for (long status : {200L, 201L, 204L, 299L}) {
        const AttemptDecision decision = after_first(response(status));
        EXPECT_EQ(decision.step, NextStep::Delivered) << status;
        EXPECT_EQ(decision.error, "") << status;
        EXPECT_EQ(decision.retry_delay_ms, 0) << status;
    }
}

TEST(DecideAfterAttemptTest, DeliveredEvenOnTheLastAttempt) {
    const AttemptDecision decision =
        decide_after_attempt(response(200), kMaxAttempts, kMaxAttempts, kDefaults, 0.0, kNowMs);
    EXPECT_EQ(decision.step, NextStep::Delivered);
    EXPECT_EQ(decision.error, "");
}

TEST(DecideAfterAttemptTest, SuccessWhoseTransferBrokeLaterIsStillDelivered) {
    AttemptOutcome outcome = response(200);
    outcome.error = "transfer closed with 10 bytes remaining to read";
    EXPECT_EQ(after_first(outcome).step, NextStep::Delivered);
}

TEST(DecideAfterAttemptTest, PermanentFailuresAreNotRetried) {
    for (long status : {100L, 301L, 302L, 304L, 400L, 401L, 404L, 410L, 422L}) {
        const AttemptDecision decision = after_first(response(status));
        EXPECT_EQ(decision.step, NextStep::Failed) << status;
        EXPECT_EQ(decision.error, "HTTP " + std::to_string(status) + " (not retried)");
        EXPECT_EQ(decision.retry_delay_ms, 0) << status;
    }
}

// Attempts that end the event: Failed, with an error that says why.
TEST(DecideAfterAttemptTest, FinalFailuresSayWhy) {
    struct FinalFailure {
        AttemptOutcome outcome;
        int attempt, max_attempts;
        std::string error;
    };
    const FinalFailure cases[] = {
        // A permanent status, with budget left.
        {response(410), 3, 100, "HTTP 410 (not retried)"},
        // Exhausted by transport errors: their text is kept.
        {transport_error("Operation timed out after 10000 milliseconds"), 8, 8,
         "Operation timed out after 10000 milliseconds (gave up after 8 attempts)"},
        // A budget of one attempt.
        {response(500), 1, 1, "HTTP 500 (gave up after 1 attempts)"},
        // max_attempts was reduced by a reload while the event had already used more.
        {response(500), 5, 3, "HTTP 500 (gave up after 5 attempts)"},
    };
    for (const FinalFailure &expected : cases) {
        const AttemptDecision decision = decide_after_attempt(
            expected.outcome, expected.attempt, expected.max_attempts, kDefaults, 0.0, kNowMs);
        EXPECT_EQ(decision.step, NextStep::Failed) << expected.error;
        EXPECT_EQ(decision.error, expected.error);
    }
}

TEST(DecideAfterAttemptTest, RetryableStatusesAreRetried) {
    for (long status : {408L, 425L, 429L, 500L, 502L, 503L, 504L, 599L}) {
        const AttemptDecision decision = after_first(response(status));
        EXPECT_EQ(decision.step, NextStep::Retry) << status;
        EXPECT_EQ(decision.error, "HTTP " + std::to_string(status));
        EXPECT_EQ(decision.retry_delay_ms, 500) << status;
    }
}

TEST(DecideAfterAttemptTest, TransportErrorsAreRetriedWithTheirText) {
    const AttemptDecision refused = after_first(transport_error("Connection refused"));
    EXPECT_EQ(refused.step, NextStep::Retry);
    EXPECT_EQ(refused.error, "Connection refused");
    EXPECT_EQ(refused.retry_delay_ms, 500);

    const AttemptDecision silent = after_first(transport_error(""));
    EXPECT_EQ(silent.step, NextStep::Retry);
    EXPECT_EQ(silent.error, "no response");
}

TEST(DecideAfterAttemptTest, ResponseWithTransportErrorMentionsBoth) {
    AttemptOutcome outcome = response(502);
    outcome.error = "transfer closed";
    EXPECT_EQ(after_first(outcome).error, "HTTP 502: transfer closed");
}

TEST(DecideAfterAttemptTest, RetryDelaysGrowUntilTheBudgetIsExhausted) {
    std::int64_t expected = 1000;
    for (int attempt = 1; attempt < kMaxAttempts; ++attempt, expected *= 2) {
        const AttemptDecision decision = decide_after_attempt(response(503), attempt, kMaxAttempts,
                                                              kDefaults, kAlmostOne, kNowMs);
        EXPECT_EQ(decision.step, NextStep::Retry) << attempt;
        EXPECT_EQ(decision.retry_delay_ms, expected) << attempt;
    }
    const AttemptDecision last = decide_after_attempt(response(503), kMaxAttempts, kMaxAttempts,
                                                      kDefaults, kAlmostOne, kNowMs);
    EXPECT_EQ(last.step, NextStep::Failed);
    EXPECT_EQ(last.error, "HTTP 503 (gave up after 8 attempts)");
    EXPECT_EQ(last.retry_delay_ms, 0);
}

TEST(DecideAfterAttemptTest, JitterStaysWithinHalfAndFull) {
    for (int attempt = 1; attempt < kMaxAttempts; ++attempt) {
        const std::int64_t full = std::int64_t{1000} << (attempt - 1);
        for (double unit : {0.0, 0.3, 0.7, kAlmostOne}) {
            const std::int64_t delay = decide_after_attempt(transport_error("timeout"), attempt,
                                                            kMaxAttempts, kDefaults, unit, kNowMs)
                                           .retry_delay_ms;
            EXPECT_GE(2 * delay, full);
            EXPECT_LE(delay, full);
        }
    }
}

TEST(DecideAfterAttemptTest, RetryAfterSecondsHonouredOn429And503) {
    for (long status : {429L, 503L}) {
        const AttemptDecision decision = after_first(response(status, "120"));
        EXPECT_EQ(decision.step, NextStep::Retry) << status;
        EXPECT_EQ(decision.retry_delay_ms, 120000) << status;
    }
}

TEST(DecideAfterAttemptTest, RetryAfterHttpDateHonoured) {
    // 90 s after kNowMs.
    const AttemptDecision decision = after_first(response(429, "Sat, 17 Jan 2026 10:17:00 GMT"));
    EXPECT_EQ(decision.step, NextStep::Retry);
    EXPECT_EQ(decision.retry_delay_ms, 90000);
}

TEST(DecideAfterAttemptTest, RetryAfterShorterThanBackoffIsIgnored) {
    EXPECT_EQ(after_first(response(429, "0")).retry_delay_ms, 500);
    // Attempt 5 with unit 0: 1000 * 2^4 / 2 = 8000 ms, longer than 2 s.
    const AttemptDecision decision =
        decide_after_attempt(response(503, "2"), 5, kMaxAttempts, kDefaults, 0.0, kNowMs);
    EXPECT_EQ(decision.retry_delay_ms, 8000);
    // A date in the past asks for nothing.
    EXPECT_EQ(after_first(response(429, "Sun, 06 Nov 1994 08:49:37 GMT")).retry_delay_ms, 500);
}

TEST(DecideAfterAttemptTest, RetryAfterIsCappedAtMax) {
    EXPECT_EQ(after_first(response(429, "7200")).retry_delay_ms, 3600000);
    EXPECT_EQ(after_first(response(503, "86400")).retry_delay_ms, 3600000);
    const BackoffPolicy small_cap{1000, 60000};
    EXPECT_EQ(after_first(response(429, "120"), small_cap).retry_delay_ms, 60000);
    EXPECT_EQ(after_first(response(429, "999999999999"), small_cap).retry_delay_ms, 60000);
    EXPECT_EQ(after_first(response(503, "Sun, 17 Jan 2027 10:15:30 GMT"), small_cap).retry_delay_ms,
              60000);
}

TEST(DecideAfterAttemptTest, RetryAfterIgnoredOnOtherStatuses) {
    for (long status : {408L, 425L, 500L, 502L, 504L}) {
        const AttemptDecision decision = after_first(response(status, "120"));
        EXPECT_EQ(decision.step, NextStep::Retry) << status;
        EXPECT_EQ(decision.retry_delay_ms, 500) << status;
    }
    EXPECT_EQ(after_first(transport_error("Connection reset")).retry_delay_ms, 500);
}

TEST(DecideAfterAttemptTest, UnparsableRetryAfterFallsBackToBackoff) {
    EXPECT_EQ(after_first(response(429, "tomorrow")).retry_delay_ms, 500);
    EXPECT_EQ(after_first(response(503, "")).retry_delay_ms, 500);
    EXPECT_EQ(after_first(response(503, "-30")).retry_delay_ms, 500);
}

TEST(DecideAfterAttemptTest, RetryAfterDoesNotDelayAFinalFailure) {
    const AttemptDecision decision =
        decide_after_attempt(response(429, "120"), 8, 8, kDefaults, 0.0, kNowMs);
    EXPECT_EQ(decision.step, NextStep::Failed);
    EXPECT_EQ(decision.error, "HTTP 429 (gave up after 8 attempts)");
}

}  // namespace
}  // namespace booking_events

namespace booking_events {
namespace {

// ---------------------------------------------------------------------------
// the outcome as the tables store it

TEST(OutcomeEncodingTest, EachStepHasOneOutboxAndOneLogStatus) {
    struct StoredOutcome {
        NextStep step;
        const char *outbox_status;
        const char *log_status;
    };
    for (const StoredOutcome &expected :
         {StoredOutcome{NextStep::Delivered, "delivered", "success"},
          StoredOutcome{NextStep::Retry, "pending", "failed"},
          StoredOutcome{NextStep::Failed, "failed", "failed"}}) {
        EXPECT_STREQ(outbox_status_after(expected.step), expected.outbox_status);
        EXPECT_STREQ(log_status_after(expected.step), expected.log_status);
    }
}

}  // namespace
}  // namespace booking_events
