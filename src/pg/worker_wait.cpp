#include "pg/worker_wait.hpp"

#include <vector>

#include "pg/boundary.hpp"
#include "pg/version_compat.hpp"

namespace booking_events {

namespace {

// The latch and postmaster death alone, built once for the worker's life:
// while libcurl watches no socket (delivery paused, or every answer in),
// a set built per wake-up cost each commit an epoll_create1, two epoll_ctl
// and a close (BENCHMARKS.md, "The worker: one slot, one wait set").
// Sockets do not go in it: PostgreSQL has no call that removes an event
// from a set, and libcurl closes and opens its sockets as connections come
// and go, so a kept set would end up watching closed or reused descriptors.
// A pass with sockets to watch builds its own set, as before.
WaitEventSet *latch_set = nullptr;

// The latch and postmaster death, with room for `sockets` more events.
WaitEventSet *new_set(int sockets, bool lasting) {
    WaitEventSet *set = create_wait_event_set(2 + sockets, lasting);
    AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, nullptr);
    AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, nullptr, nullptr);
    return set;
}

WaitEventSet *lasting_latch_set() {
    if (latch_set == nullptr) latch_set = new_set(0, true);
    return latch_set;
}

WaitEventSet *set_with_sockets(const std::vector<HttpDriver::SocketWatch> &watches) {
    WaitEventSet *set = new_set(static_cast<int>(watches.size()), false);
    for (const HttpDriver::SocketWatch &watch : watches) {
        uint32 wanted = (watch.want_read ? WL_SOCKET_READABLE : 0) |
                        (watch.want_write ? WL_SOCKET_WRITEABLE : 0);
        if (wanted != 0) AddWaitEventToSet(set, wanted, watch.fd, nullptr, nullptr);
    }
    return set;
}

}  // namespace

bool wait_for_latch_or_http(HttpDriver &driver, long timeout_ms) {
    const std::vector<HttpDriver::SocketWatch> watches = driver.socket_watches();
    constexpr int kMaxEvents = 64;
    WaitEvent events[kMaxEvents];
    int ready = 0;
    pg_call([&] {
        if (watches.empty()) {
            ready = WaitEventSetWait(lasting_latch_set(), timeout_ms, events, kMaxEvents,
                                     PG_WAIT_EXTENSION);
            return;
        }
        WaitEventSet *set = set_with_sockets(watches);
        ready = WaitEventSetWait(set, timeout_ms, events, kMaxEvents, PG_WAIT_EXTENSION);
        FreeWaitEventSet(set);
    });
    bool latch_set = false;
    bool socket_ready = false;
    for (int i = 0; i < ready; ++i) {
        if (events[i].events & WL_LATCH_SET) {
            pg_call([] {
                ResetLatch(MyLatch);
                CHECK_FOR_INTERRUPTS();
            });
            latch_set = true;
            continue;
        }
        if (events[i].events & (WL_SOCKET_READABLE | WL_SOCKET_WRITEABLE)) {
            socket_ready = true;
            driver.on_socket_ready(events[i].fd, (events[i].events & WL_SOCKET_READABLE) != 0,
                                   (events[i].events & WL_SOCKET_WRITEABLE) != 0);
        }
    }
    // libcurl's timers and the driver's request timeouts fire when due,
    // however the wait ended; and when the latch ended a wait on sockets, the
    // sockets are read too (a set latch returns before they are looked at).
    // With no socket watched and no timer due there is nothing to drive.
    if (driver.timeout_ms() == 0 || (!watches.empty() && !socket_ready)) driver.on_timeout();
    return latch_set;
}

}  // namespace booking_events
