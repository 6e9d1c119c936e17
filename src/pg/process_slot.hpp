// A place in shared memory that one process at a time holds: the delivery
// worker's (shared_state.cpp) and the recorder's (recorder_channel.cpp).
// Whoever finds it empty, or held by a process that is gone (a kill -9
// skips every exit callback), takes it.
//
// Each function takes the owner's spinlock, which is held for a few
// instructions and never across a system call: whether the holder lives is
// asked outside it, and the slot is taken only if nobody changed it
// meanwhile.
#pragma once

#include "pg/postgres_headers.hpp"

namespace booking_events {

struct ProcessSlot {
    int pid;
    Latch *latch;
    TimestampTz started_at;
};

// Empty: nobody holds it.
void clear_process_slot(ProcessSlot *slot);

// Takes the slot for this process when it is free; `on_taken` runs under
// the spinlock once it is taken (to reset what belongs to the holder).
template <typename OnTaken>
bool take_process_slot(slock_t *mutex, ProcessSlot *slot, OnTaken &&on_taken);

// Frees the slot if this process holds it; `on_released` runs under the
// spinlock then. Returns whether it did.
template <typename OnReleased>
bool release_process_slot(slock_t *mutex, ProcessSlot *slot, OnReleased &&on_released);

// Whether a process with this pid lives (0: none does).
bool process_alive(int pid);

template <typename OnTaken>
bool take_process_slot(slock_t *mutex, ProcessSlot *slot, OnTaken &&on_taken) {
    SpinLockAcquire(mutex);
    const int other = slot->pid;
    SpinLockRelease(mutex);
    const bool other_gone = other == 0 || other == MyProcPid || !process_alive(other);
    const TimestampTz now = GetCurrentTimestamp();
    bool taken = false;
    SpinLockAcquire(mutex);
    if (other_gone && slot->pid == other) {
        slot->pid = MyProcPid;
        slot->latch = MyLatch;
        slot->started_at = now;
        on_taken();
        taken = true;
    }
    SpinLockRelease(mutex);
    return taken;
}

template <typename OnReleased>
bool release_process_slot(slock_t *mutex, ProcessSlot *slot, OnReleased &&on_released) {
    bool released = false;
    SpinLockAcquire(mutex);
    if (slot->pid == MyProcPid) {
        clear_process_slot(slot);
        on_released();
        released = true;
    }
    SpinLockRelease(mutex);
    return released;
}

}  // namespace booking_events
