#include "pg/worker_wait.hpp"

#include <vector>

#include "pg/boundary.hpp"
#include "pg/version_compat.hpp"

namespace booking_events {

bool wait_for_latch_or_http(HttpDriver &driver, long timeout_ms) {
    const std::vector<HttpDriver::SocketWatch> watches = driver.socket_watches();
    constexpr int kMaxEvents = 64;
    WaitEvent events[kMaxEvents];
    int ready = 0;
    pg_call([&] {
        WaitEventSet *set = create_wait_event_set(2 + static_cast<int>(watches.size()));
        AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, nullptr);
        AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, nullptr, nullptr);
        for (const HttpDriver::SocketWatch &watch : watches) {
            uint32 wanted = (watch.want_read ? WL_SOCKET_READABLE : 0) |
                            (watch.want_write ? WL_SOCKET_WRITEABLE : 0);
            if (wanted != 0) AddWaitEventToSet(set, wanted, watch.fd, nullptr, nullptr);
        }
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
    // however the wait ended.
    if (!socket_ready || driver.timeout_ms() == 0) driver.on_timeout();
    return latch_set;
}

}  // namespace booking_events
