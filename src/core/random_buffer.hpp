// Random bytes drawn from a strong source in blocks and handed out once
// each: the trigger needs 16 per event, and one RAND_bytes call per event
// cost it ~11k instructions, most of them the call's own overhead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace booking_events {

class RandomBuffer {
  public:
    // Fills `length` bytes at `out` from the strong source; false when it
    // could not.
    using Fill = std::function<bool(std::uint8_t *out, std::size_t length)>;

    // `capacity`: how many bytes one fill draws.
    explicit RandomBuffer(std::size_t capacity);

    // Copies `length` (at most the capacity) bytes no one was given before
    // into `out`, filling the buffer first when fewer are left or when
    // `process_id` is not the process that filled it (a forked child never
    // hands out its parent's bytes). A failed fill leaves the buffer empty
    // and `out` untouched, and returns false.
    bool take(std::uint8_t *out, std::size_t length, long process_id, const Fill &fill);

  private:
    std::vector<std::uint8_t> bytes_;
    std::size_t next_;  // bytes_[next_..] are unused; bytes_.size() when empty
    long filled_by_ = 0;
};

}  // namespace booking_events
