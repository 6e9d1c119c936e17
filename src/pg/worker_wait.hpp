// The delivery worker's one wait: its latch (commits, SIGHUP, SIGTERM),
// libcurl's sockets and a timeout, in one WaitEventSet, so an idle worker
// uses no CPU and HTTP progress never waits for a poll interval.
#pragma once

#include "core/http_driver.hpp"

namespace booking_events {

// Waits at most `timeout_ms` (-1: until something happens), then lets the
// driver act on what became ready. Returns true when the latch was set.
bool wait_for_latch_or_http(HttpDriver &driver, long timeout_ms);

}  // namespace booking_events
