// The hand-over of finished delivery attempts from the delivery worker to the
// recorder, a second process that writes them to the database.
//
// During a drain the worker spent about 40% of its core on recording
// attempts (the record statement and its commit): a process of its own can
// do that on the other core. The worker keeps every delivery decision and
// writes each finished attempt's outcome into this ring, in shared memory;
// the recorder records a run of them in one transaction and then says how
// far it has committed. Room is reused only once committed, so outcomes a
// failed recorder read but never committed are still there.
//
// One producer (the worker) and one consumer (the recorder): the positions
// are byte counts since the start, published with release and read with
// acquire, so neither side takes a lock to add or read an outcome.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace booking_events {

// What recording one attempt needs: its webhook_logs row and the new state
// of its delivery.
struct RecordedOutcome {
    // The extension (its oid) whose outbox the event was claimed from: after
    // DROP and CREATE EXTENSION the same outbox id is another event.
    std::uint32_t extension_oid = 0;
    std::int64_t outbox_id = 0;
    std::string endpoint;
    std::string event_id;
    std::string event_type;
    int attempt = 0;      // number of this attempt, counting all before it
    int step = 0;         // a NextStep
    int http_status = 0;  // 0: no response
    bool has_error = false;
    std::string error;
    double response_time_ms = 0;
    std::int64_t retry_delay_ms = 0;
    bool outside_budget = false;

    bool operator==(const RecordedOutcome &other) const;
};

// The two positions, at the start of the shared struct.
struct OutcomeRingPositions {
    std::atomic<std::uint64_t> written;    // bytes published by the producer
    std::atomic<std::uint64_t> committed;  // bytes recorded for good by the consumer
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "the ring's positions are shared between processes");

class OutcomeRing {
  public:
    // A view of a ring whose positions and `capacity` bytes live elsewhere
    // (shared memory); `initialise` sets up new positions.
    OutcomeRing(OutcomeRingPositions *positions, char *bytes, std::size_t capacity)
        : positions_(positions), bytes_(bytes), capacity_(capacity) {}
    static void initialise(OutcomeRingPositions *positions);

    // Producer: appends one outcome; returns the position just past it, or
    // nothing when it does not fit in the room left now.
    std::optional<std::uint64_t> push(const RecordedOutcome &outcome);
    static std::size_t encoded_size(const RecordedOutcome &outcome);

    std::uint64_t written() const { return positions_->written.load(std::memory_order_acquire); }
    std::uint64_t committed() const {
        return positions_->committed.load(std::memory_order_acquire);
    }

    // Consumer: at most `max` outcomes published from `from` on; `*end` is
    // the position after the last one read.
    std::vector<RecordedOutcome> read(std::uint64_t from, std::size_t max,
                                      std::uint64_t *end) const;
    // Consumer: everything before `through` is recorded; its room is free.
    void commit(std::uint64_t through) {
        positions_->committed.store(through, std::memory_order_release);
    }
    // Only while no consumer reads (the recorder stopped): everything
    // published is given up, as if recorded.
    void discard_unrecorded() { commit(written()); }

  private:
    void copy_in(std::uint64_t position, const void *data, std::size_t size);
    void copy_out(std::uint64_t position, void *data, std::size_t size) const;

    OutcomeRingPositions *positions_;
    char *bytes_;
    std::size_t capacity_;
};

}  // namespace booking_events
