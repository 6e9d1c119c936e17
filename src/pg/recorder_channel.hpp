// What the delivery worker and the recorder share: the ring of finished
// attempts (core/outcome_ring.hpp), who the recorder is, and whether it
// takes outcomes now. Exists only when the library is preloaded.
//
// Who records what: the recorder takes outcomes only while `accepting`, and
// it starts accepting only when the ring is empty. When it stops (an error,
// SIGTERM, a reload that turns it off) it stops accepting first; the worker
// then takes back every outcome it handed over that was not committed and
// records it itself, and gives up (discards) what is left in the ring, so a
// new recorder starts from an empty one. So at any moment one process only
// writes a delivery's outcome, and none is written twice.
#pragma once

#include "core/outcome_ring.hpp"
#include "pg/postgres_headers.hpp"

namespace booking_events {

// Called from _PG_init while shared_preload_libraries is processed.
void install_recorder_channel();
bool recorder_channel_available();

// The ring itself; valid only when the channel is available.
OutcomeRing outcome_ring();

struct RecorderStatus {
    bool running = false;
    int pid = 0;
    bool accepting = false;
    TimestampTz started_at = 0;
    std::uint64_t recorded_attempts = 0;  // by recorders, since the server started
};
RecorderStatus read_recorder_status();

// --- the recorder's side ---
// False when another live recorder already registered.
bool register_recorder();
void unregister_recorder();
// Starts accepting outcomes if the ring is empty; returns whether it does.
bool start_accepting_when_empty();
// Takes no more outcomes and wakes the worker to take back the rest.
void stop_accepting();
// Everything before `through` is committed (`count` attempts): the worker
// may forget it.
void outcomes_committed(std::uint64_t through, std::size_t count);

// --- the worker's side ---
// Wakes the recorder after outcomes were added.
void wake_recorder();
// While no recorder accepts, empties the ring; returns whether it was empty
// or emptied (false: a recorder accepts now).
bool discard_unaccepted_outcomes();

}  // namespace booking_events
