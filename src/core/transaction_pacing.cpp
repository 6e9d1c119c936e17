#include "core/transaction_pacing.hpp"

#include <algorithm>

namespace booking_events {

namespace {
constexpr std::size_t kMostFinishedAwaited = 8;
}

void TransactionPacing::set_request_slots(int slots) {
    const std::size_t quarter = slots > 0 ? static_cast<std::size_t>(slots) / 4 : 0;
    full_transaction_ = std::clamp<std::size_t>(quarter, 1, kMostFinishedAwaited);
}

std::int64_t TransactionPacing::wait_us(std::int64_t now_us, std::size_t finished) const {
    if (!started_once_ || continue_at_once_ || finished >= full_transaction_) return 0;
    const std::int64_t next_us = last_start_us_ + window_us_;
    return next_us > now_us ? next_us - now_us : 0;
}

long TransactionPacing::wait_ms(std::int64_t now_us, std::size_t finished) const {
    const std::int64_t wait = wait_us(now_us, finished);
    return static_cast<long>((wait + 999) / 1000);
}

void TransactionPacing::started(std::int64_t now_us) {
    last_start_us_ = now_us;
    started_once_ = true;
    continue_at_once_ = false;
}

}  // namespace booking_events
