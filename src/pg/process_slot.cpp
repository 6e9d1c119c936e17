#include "pg/process_slot.hpp"

#include <csignal>

namespace booking_events {

void clear_process_slot(ProcessSlot *slot) {
    slot->pid = 0;
    slot->latch = nullptr;
    slot->started_at = 0;
}

bool process_alive(int pid) { return pid != 0 && kill(pid, 0) == 0; }
}  // namespace booking_events
