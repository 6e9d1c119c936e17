#include "listen/state_file.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

namespace booking_events::listen {

namespace {

[[noreturn]] void fail(const std::string &what, const std::string &path) {
    throw StateFileError(what + " " + path + ": " + std::strerror(errno));
}

// A whole non-negative decimal number, nothing else.
std::optional<std::int64_t> whole_number(const std::string &text) {
    std::int64_t value = -1;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0)
        return std::nullopt;
    return value;
}

}  // namespace

std::optional<ListenerState> read_state_file(const std::string &path) {
    std::ifstream file(path);
    if (!file) {
        if (errno == ENOENT) return std::nullopt;
        fail("cannot read state file", path);
    }
    std::stringstream content;
    content << file.rdbuf();
    std::string text = content.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    const std::size_t space = text.find(' ');
    const std::optional<std::int64_t> id = whole_number(text.substr(0, space));
    const std::string oid = space == std::string::npos ? "" : text.substr(space + 1);
    if (!id || (space != std::string::npos && !whole_number(oid)))
        throw StateFileError("state file " + path + " does not hold an outbox id: '" +
                             text.substr(0, 40) + "'");
    return ListenerState{*id, oid};
}

void write_state_file(const std::string &path, const ListenerState &state) {
    const std::string temporary = path + ".tmp";
    const std::string text = std::to_string(state.outbox_id) +
                             (state.extension_oid.empty() ? "" : " " + state.extension_oid) + "\n";
    const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fail("cannot write state file", temporary);
    const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    // fsync before the rename: after a power loss the new name must not
    // point at an empty file.
    const bool synced = written && fsync(fd) == 0;
    const int saved_errno = errno;
    close(fd);
    errno = saved_errno;
    if (!synced) fail("cannot write state file", temporary);
    if (std::rename(temporary.c_str(), path.c_str()) != 0) fail("cannot replace state file", path);
}

}  // namespace booking_events::listen
