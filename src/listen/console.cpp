#include "listen/console.hpp"

#include <cstdio>

namespace booking_events::listen {

void print_event_line(const std::string &line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void print_status(const std::string &message) {
    std::fprintf(stderr, "booking-events-listen: %s\n", message.c_str());
    std::fflush(stderr);
}

}  // namespace booking_events::listen
