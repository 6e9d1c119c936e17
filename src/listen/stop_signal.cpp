#include "listen/stop_signal.hpp"

#include <cerrno>
#include <csignal>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace booking_events::listen {

namespace {

volatile std::sig_atomic_t requested_signal = 0;
int pipe_read_end = -1;
int pipe_write_end = -1;

extern "C" void on_stop_signal(int signal_number) {
    const int saved_errno = errno;
    requested_signal = signal_number;
    // Non-blocking: a full pipe already wakes every poll.
    [[maybe_unused]] const ssize_t written = write(pipe_write_end, "x", 1);
    errno = saved_errno;
}

[[noreturn]] void fail(const char *what) {
    throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

void install_stop_signal_handlers() {
    int ends[2];
    if (pipe(ends) != 0) fail("pipe");
    for (const int fd : ends) {
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 ||
            fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
            fail("fcntl");
    }
    pipe_read_end = ends[0];
    pipe_write_end = ends[1];

    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &action, nullptr) != 0 || sigaction(SIGTERM, &action, nullptr) != 0)
        fail("sigaction");
}

int stop_signal_fd() { return pipe_read_end; }

bool stop_requested() { return requested_signal != 0; }

int stop_signal_number() { return requested_signal; }

}  // namespace booking_events::listen
