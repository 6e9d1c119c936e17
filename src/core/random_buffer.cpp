#include "core/random_buffer.hpp"

#include <cstring>
#include <stdexcept>

namespace booking_events {

RandomBuffer::RandomBuffer(std::size_t capacity) : bytes_(capacity), next_(capacity) {}

bool RandomBuffer::take(std::uint8_t *out, std::size_t length, long process_id, const Fill &fill) {
    if (length > bytes_.size()) throw std::length_error("random buffer: request above capacity");
    if (filled_by_ != process_id || bytes_.size() - next_ < length) {
        // Whatever is left is dropped, never handed out after the fill.
        next_ = bytes_.size();
        if (!fill(bytes_.data(), bytes_.size())) return false;
        next_ = 0;
        filled_by_ = process_id;
    }
    std::memcpy(out, bytes_.data() + next_, length);
    // Handed out: not kept where a later reader of this memory could see it.
    std::memset(bytes_.data() + next_, 0, length);
    next_ += length;
    return true;
}

}  // namespace booking_events
