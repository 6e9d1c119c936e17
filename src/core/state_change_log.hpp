// When a flapping condition is worth a log line. A receiver failing 30% of
// the time flips between "failing" and "succeeding" thousands of times a
// minute; one line per flip floods the server log. Lines are written per
// change of the reported state, at most one per interval, and each carries
// the counts observed since the previous line, so nothing is hidden.
#pragma once

#include <cstdint>
#include <optional>

namespace booking_events {

struct StateReport {
    bool failing = false;
    std::int64_t failures = 0;   // failed observations since the previous line
    std::int64_t successes = 0;  // successful observations since the previous line
};

class StateChangeLog {
  public:
    explicit StateChangeLog(std::int64_t min_interval_ms) : min_interval_ms_(min_interval_ms) {}

    // Records one outcome; returns the line to write when the state differs
    // from the one last reported and the interval since that line is over.
    // A change that is undone within the interval is never reported alone.
    std::optional<StateReport> observe(bool failing, std::int64_t now_ms);

    // The pending change, if it is due now (for a caller that sees no new
    // outcomes for a while). Returns nothing when no line is due.
    std::optional<StateReport> due(std::int64_t now_ms);

    // The state differs from the one last reported (a line will be due).
    bool change_pending() const { return current_failing_ != reported_failing_; }

  private:
    std::int64_t min_interval_ms_;
    bool reported_failing_ = false;
    bool current_failing_ = false;
    std::optional<std::int64_t> last_line_at_ms_;
    std::int64_t failures_ = 0;
    std::int64_t successes_ = 0;
};

}  // namespace booking_events
