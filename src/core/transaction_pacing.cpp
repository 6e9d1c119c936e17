#include "core/transaction_pacing.hpp"

namespace booking_events {

std::int64_t TransactionPacing::wait_us(std::int64_t now_us) const {
    if (!started_once_ || continue_at_once_) return 0;
    const std::int64_t next_us = last_start_us_ + window_us_;
    return next_us > now_us ? next_us - now_us : 0;
}

long TransactionPacing::wait_ms(std::int64_t now_us) const {
    const std::int64_t wait = wait_us(now_us);
    return static_cast<long>((wait + 999) / 1000);
}

void TransactionPacing::started(std::int64_t now_us) {
    last_start_us_ = now_us;
    started_once_ = true;
    continue_at_once_ = false;
}

}  // namespace booking_events
