// --state-file: the outbox id the listener has got to, kept on disk so that
// a restarted listener resumes after it. The file holds one line: the id
// and the oid of the extension whose outbox it belongs to ("1207 16385"),
// so that a listener restarted after DROP and CREATE EXTENSION starts over
// instead of waiting for the new outbox's ids to pass the old one's; a line
// with the id alone is accepted (written by hand). The file is replaced
// atomically (written to FILE.tmp, synced, renamed over FILE), so a crash
// leaves the old state or the new one, never a torn file.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace booking_events::listen {

class StateFileError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct ListenerState {
    std::int64_t outbox_id = 0;
    std::string extension_oid;  // empty: unknown
};

// nullopt when the file does not exist; throws StateFileError when it
// cannot be read or does not hold a state.
std::optional<ListenerState> read_state_file(const std::string &path);

// Throws StateFileError when the state cannot be written.
void write_state_file(const std::string &path, const ListenerState &state);

}  // namespace booking_events::listen
