// How the delivery worker reacts to its own transaction failing (a
// read-only database, a lock it cannot get, a full disk): wait longer after
// each consecutive failure, up to a cap, and say so in the log once per
// change (a new error, or recovery) with the number of repeats in between,
// rather than once per failed try.
#pragma once

#include <cstdint>
#include <string>

#include "core/backoff.hpp"

namespace booking_events {

struct ErrorReaction {
    std::int64_t retry_in_ms = 0;
    bool log = false;  // a new error (or the first): write it out
    // Repeats of the previous error not logged (reported with the new one).
    std::int64_t suppressed_repeats = 0;
};

struct Recovery {
    bool log = false;  // the first success after failures
    std::int64_t failures = 0;
    std::int64_t failing_for_ms = 0;
};

class ErrorBackoff {
  public:
    explicit ErrorBackoff(BackoffPolicy policy) : policy_(policy) {}

    // `error_key` identifies the error (SQLSTATE and message): the same key
    // again is a repeat. `unit_random` in [0, 1) jitters the delay.
    ErrorReaction on_error(const std::string &error_key, double unit_random, std::int64_t now_ms);
    Recovery on_success(std::int64_t now_ms);

    bool failing() const { return consecutive_ > 0; }
    std::int64_t consecutive_failures() const { return consecutive_; }

  private:
    BackoffPolicy policy_;
    std::int64_t consecutive_ = 0;
    std::int64_t repeats_ = 0;  // unlogged repeats of last_key_
    std::int64_t first_failure_at_ms_ = 0;
    std::string last_key_;
};

}  // namespace booking_events
