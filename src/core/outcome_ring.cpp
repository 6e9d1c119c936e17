#include "core/outcome_ring.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace booking_events {

namespace {

// An outcome in the ring: its whole length, the fixed-size fields, then
// each string as its length and its bytes.
struct FixedFields {
    std::uint32_t extension_oid;
    std::int32_t attempt;
    std::int32_t step;
    std::int32_t http_status;
    std::int64_t outbox_id;
    std::int64_t retry_delay_ms;
    double response_time_ms;
    std::uint8_t has_error;
    std::uint8_t outside_budget;
};

using Length = std::uint32_t;

// The record as bytes, in one buffer: a record is copied into the ring with
// at most two copies whatever its strings (the ring may wrap inside it).
class Encoder {
  public:
    void put(const void *data, std::size_t size) {
        const char *bytes = static_cast<const char *>(data);
        buffer_.insert(buffer_.end(), bytes, bytes + size);
    }
    void put_string(const std::string &text) {
        const Length length = static_cast<Length>(text.size());
        put(&length, sizeof(length));
        put(text.data(), text.size());
    }
    std::vector<char> &buffer() { return buffer_; }

  private:
    std::vector<char> buffer_;
};

class Decoder {
  public:
    Decoder(const char *data, std::size_t size) : data_(data), size_(size) {}
    bool get(void *out, std::size_t size) {
        if (size > size_ - offset_) return false;
        std::memcpy(out, data_ + offset_, size);
        offset_ += size;
        return true;
    }
    bool get_string(std::string *text) {
        Length length = 0;
        if (!get(&length, sizeof(length)) || length > size_ - offset_) return false;
        text->assign(data_ + offset_, length);
        offset_ += length;
        return true;
    }

  private:
    const char *data_;
    std::size_t size_;
    std::size_t offset_ = 0;
};

std::vector<char> encode(const RecordedOutcome &outcome) {
    FixedFields fixed{};
    fixed.extension_oid = outcome.extension_oid;
    fixed.attempt = outcome.attempt;
    fixed.step = outcome.step;
    fixed.http_status = outcome.http_status;
    fixed.outbox_id = outcome.outbox_id;
    fixed.retry_delay_ms = outcome.retry_delay_ms;
    fixed.response_time_ms = outcome.response_time_ms;
    fixed.has_error = outcome.has_error ? 1 : 0;
    fixed.outside_budget = outcome.outside_budget ? 1 : 0;
    Encoder encoder;
    const Length placeholder = 0;
    encoder.put(&placeholder, sizeof(placeholder));
    encoder.put(&fixed, sizeof(fixed));
    encoder.put_string(outcome.endpoint);
    encoder.put_string(outcome.event_id);
    encoder.put_string(outcome.event_type);
    encoder.put_string(outcome.error);
    std::vector<char> &bytes = encoder.buffer();
    const Length total = static_cast<Length>(bytes.size());
    std::memcpy(bytes.data(), &total, sizeof(total));
    return std::move(bytes);
}

bool decode(const char *data, std::size_t size, RecordedOutcome *outcome) {
    Decoder decoder(data, size);
    FixedFields fixed{};
    if (!decoder.get(&fixed, sizeof(fixed))) return false;
    outcome->extension_oid = fixed.extension_oid;
    outcome->attempt = fixed.attempt;
    outcome->step = fixed.step;
    outcome->http_status = fixed.http_status;
    outcome->outbox_id = fixed.outbox_id;
    outcome->retry_delay_ms = fixed.retry_delay_ms;
    outcome->response_time_ms = fixed.response_time_ms;
    outcome->has_error = fixed.has_error != 0;
    outcome->outside_budget = fixed.outside_budget != 0;
    return decoder.get_string(&outcome->endpoint) && decoder.get_string(&outcome->event_id) &&
           decoder.get_string(&outcome->event_type) && decoder.get_string(&outcome->error);
}

}  // namespace

bool RecordedOutcome::operator==(const RecordedOutcome &other) const {
    return extension_oid == other.extension_oid && outbox_id == other.outbox_id &&
           endpoint == other.endpoint && event_id == other.event_id &&
           event_type == other.event_type && attempt == other.attempt && step == other.step &&
           http_status == other.http_status && has_error == other.has_error &&
           error == other.error && response_time_ms == other.response_time_ms &&
           retry_delay_ms == other.retry_delay_ms && outside_budget == other.outside_budget;
}

void OutcomeRing::initialise(OutcomeRingPositions *positions) {
    new (&positions->written) std::atomic<std::uint64_t>(0);
    new (&positions->committed) std::atomic<std::uint64_t>(0);
}

std::size_t OutcomeRing::encoded_size(const RecordedOutcome &outcome) {
    return sizeof(Length) + sizeof(FixedFields) + 4 * sizeof(Length) + outcome.endpoint.size() +
           outcome.event_id.size() + outcome.event_type.size() + outcome.error.size();
}

std::optional<std::uint64_t> OutcomeRing::push(const RecordedOutcome &outcome) {
    const std::uint64_t written_now = positions_->written.load(std::memory_order_relaxed);
    const std::uint64_t used = written_now - committed();
    if (encoded_size(outcome) > capacity_ - used) return std::nullopt;
    const std::vector<char> bytes = encode(outcome);
    copy_in(written_now, bytes.data(), bytes.size());
    // The bytes are in place before the consumer can see the new position.
    const std::uint64_t end = written_now + bytes.size();
    positions_->written.store(end, std::memory_order_release);
    return end;
}

std::vector<RecordedOutcome> OutcomeRing::read(std::uint64_t from, std::size_t max,
                                               std::uint64_t *end) const {
    std::vector<RecordedOutcome> outcomes;
    const std::uint64_t limit = written();
    std::uint64_t position = from;
    std::vector<char> bytes;
    while (position < limit && outcomes.size() < max) {
        Length total = 0;
        copy_out(position, &total, sizeof(total));
        // Only the worker writes here; a length that does not fit what it
        // published would be a bug, and reading on would only make it worse.
        if (total <= sizeof(Length) || total > limit - position) break;
        bytes.resize(total - sizeof(Length));
        copy_out(position + sizeof(Length), bytes.data(), bytes.size());
        RecordedOutcome outcome;
        if (!decode(bytes.data(), bytes.size(), &outcome)) break;
        outcomes.push_back(std::move(outcome));
        position += total;
    }
    *end = position;
    return outcomes;
}

void OutcomeRing::copy_in(std::uint64_t position, const void *data, std::size_t size) {
    const std::size_t start = static_cast<std::size_t>(position % capacity_);
    const std::size_t first = std::min(size, capacity_ - start);
    std::memcpy(bytes_ + start, data, first);
    std::memcpy(bytes_, static_cast<const char *>(data) + first, size - first);
}

void OutcomeRing::copy_out(std::uint64_t position, void *data, std::size_t size) const {
    const std::size_t start = static_cast<std::size_t>(position % capacity_);
    const std::size_t first = std::min(size, capacity_ - start);
    std::memcpy(data, bytes_ + start, first);
    std::memcpy(static_cast<char *>(data) + first, bytes_, size - first);
}

}  // namespace booking_events
