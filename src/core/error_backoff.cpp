#include "core/error_backoff.hpp"

#include <climits>

namespace booking_events {

ErrorReaction ErrorBackoff::on_error(const std::string &error_key, double unit_random,
                                     std::int64_t now_ms) {
    ErrorReaction reaction;
    if (consecutive_ == 0) first_failure_at_ms_ = now_ms;
    if (consecutive_ < INT_MAX) ++consecutive_;
    reaction.retry_in_ms = backoff_delay_ms(policy_, static_cast<int>(consecutive_), unit_random);
    if (consecutive_ == 1 || error_key != last_key_) {
        reaction.log = true;
        reaction.suppressed_repeats = repeats_;
        repeats_ = 0;
        last_key_ = error_key;
    } else {
        ++repeats_;
    }
    return reaction;
}

Recovery ErrorBackoff::on_success(std::int64_t now_ms) {
    Recovery recovery;
    if (consecutive_ == 0) return recovery;
    recovery.log = true;
    recovery.failures = consecutive_;
    recovery.failing_for_ms = now_ms - first_failure_at_ms_;
    consecutive_ = 0;
    repeats_ = 0;
    last_key_.clear();
    return recovery;
}

}  // namespace booking_events
