#include "pg/recorder_channel.hpp"

#include <new>

#include "pg/hook_chain.hpp"
#include "pg/process_slot.hpp"
#include "pg/shared_state.hpp"

namespace booking_events {

namespace {

// Room for a few thousand outcomes of ordinary size; the worker hands over
// far fewer at a time (recorder_link.cpp), so the room is there for the odd
// outcome with a long error text.
constexpr std::size_t kRingBytes = 512 * 1024;

struct RecorderChannel {
    OutcomeRingPositions positions;
    slock_t mutex;
    ProcessSlot recorder;
    bool accepting;
    // Attempts recorded by recorders since the server started.
    std::atomic<std::uint64_t> recorded_attempts;
    char bytes[kRingBytes];
};

RecorderChannel *channel = nullptr;

void attach_channel(void *memory, bool created) {
    auto *state = static_cast<RecorderChannel *>(memory);
    if (created) {
        OutcomeRing::initialise(&state->positions);
        new (&state->recorded_attempts) std::atomic<std::uint64_t>(0);
        SpinLockInit(&state->mutex);
        clear_process_slot(&state->recorder);
        state->accepting = false;
    }
    channel = state;
}

bool ring_empty() {
    return channel->positions.written.load(std::memory_order_acquire) ==
           channel->positions.committed.load(std::memory_order_acquire);
}

}  // namespace

void install_recorder_channel() {
    add_shared_struct("booking_events recorder", sizeof(RecorderChannel), attach_channel);
}

bool recorder_channel_available() { return channel != nullptr; }

OutcomeRing outcome_ring() { return OutcomeRing(&channel->positions, channel->bytes, kRingBytes); }

RecorderStatus read_recorder_status() {
    RecorderStatus status;
    if (channel == nullptr) return status;
    SpinLockAcquire(&channel->mutex);
    status.pid = channel->recorder.pid;
    status.accepting = channel->accepting;
    status.started_at = channel->recorder.started_at;
    SpinLockRelease(&channel->mutex);
    status.recorded_attempts = channel->recorded_attempts.load(std::memory_order_relaxed);
    status.running = process_alive(status.pid);
    if (!status.running) status.accepting = false;
    return status;
}

bool register_recorder() {
    if (channel == nullptr) return false;
    const bool registered =
        take_process_slot(&channel->mutex, &channel->recorder, [] { channel->accepting = false; });
    // Outcomes a stopped recorder left in the ring: the worker takes them
    // back and empties it, and this one starts accepting after that.
    if (registered) wake_delivery_worker();
    return registered;
}

void unregister_recorder() {
    if (channel == nullptr) return;
    (void)release_process_slot(&channel->mutex, &channel->recorder,
                               [] { channel->accepting = false; });
    wake_delivery_worker();
}

bool start_accepting_when_empty() {
    bool accepting = false;
    SpinLockAcquire(&channel->mutex);
    if (channel->recorder.pid == MyProcPid && (channel->accepting || ring_empty()))
        channel->accepting = true;
    accepting = channel->accepting;
    SpinLockRelease(&channel->mutex);
    return accepting;
}

void stop_accepting() {
    SpinLockAcquire(&channel->mutex);
    if (channel->recorder.pid == MyProcPid) channel->accepting = false;
    SpinLockRelease(&channel->mutex);
    wake_delivery_worker();
}

void outcomes_committed(std::uint64_t through, std::size_t count) {
    outcome_ring().commit(through);
    channel->recorded_attempts.fetch_add(count, std::memory_order_relaxed);
    wake_delivery_worker();
}

void wake_recorder() {
    if (channel == nullptr) return;
    SpinLockAcquire(&channel->mutex);
    Latch *latch = channel->recorder.latch;
    SpinLockRelease(&channel->mutex);
    if (latch != nullptr) SetLatch(latch);
}

bool discard_unaccepted_outcomes() {
    if (channel == nullptr) return true;
    bool emptied = false;
    // Under the mutex: a recorder cannot start accepting in between.
    SpinLockAcquire(&channel->mutex);
    if (!channel->accepting) {
        channel->positions.committed.store(channel->positions.written.load());
        emptied = true;
    }
    SpinLockRelease(&channel->mutex);
    return emptied;
}

}  // namespace booking_events
