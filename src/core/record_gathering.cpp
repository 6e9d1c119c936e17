#include "core/record_gathering.hpp"

#include <algorithm>

namespace booking_events {

bool RecordGathering::due(std::size_t waiting, std::size_t followers, std::int64_t oldest_ms,
                          std::int64_t now_ms) const {
    return waiting > 0 && wait_ms(waiting, followers, oldest_ms, now_ms) == 0;
}

std::int64_t RecordGathering::wait_ms(std::size_t waiting, std::size_t followers,
                                      std::int64_t oldest_ms, std::int64_t now_ms) const {
    if (waiting == 0) return -1;
    if (waiting >= most_ || followers > 0) return 0;
    return std::max<std::int64_t>(0, oldest_ms + window_ms_ - now_ms);
}

void RecentlyRecordedBookings::replace(const std::vector<std::string> &bookings) {
    bookings_.clear();
    bookings_.insert(bookings.begin(), bookings.end());
}

}  // namespace booking_events
