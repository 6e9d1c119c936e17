#include "core/state_change_log.hpp"

namespace booking_events {

std::optional<StateReport> StateChangeLog::observe(bool failing, std::int64_t now_ms) {
    current_failing_ = failing;
    ++(failing ? failures_ : successes_);
    return due(now_ms);
}

std::optional<StateReport> StateChangeLog::due(std::int64_t now_ms) {
    if (current_failing_ == reported_failing_) return std::nullopt;
    if (last_line_at_ms_ && now_ms - *last_line_at_ms_ < min_interval_ms_) return std::nullopt;
    StateReport report{current_failing_, failures_, successes_};
    reported_failing_ = current_failing_;
    last_line_at_ms_ = now_ms;
    failures_ = 0;
    successes_ = 0;
    return report;
}

}  // namespace booking_events
