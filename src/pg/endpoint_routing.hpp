// Which endpoints an event goes to, decided in the transaction that writes
// it. Each backend keeps webhook_endpoints' names and patterns in memory and
// reads the table again only after a change to it: a statement trigger on
// the table sends a relcache invalidation, so a committed change applies
// from the next transaction in every backend (the worker included), and a
// change made earlier in the same transaction applies at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pg/extension_cache.hpp"

namespace booking_events {

// The names of the endpoints an event of `event_type` goes to: every
// endpoint with a matching pattern (a paused one too: its events wait), and
// `default` while booking_events.webhook_url is set or no other endpoint
// exists. Empty when none wants it. Call inside SPI_connect, with an
// extension that has_endpoints(). Throws PgError.
std::vector<std::string> route_event(const CachedExtension &extension,
                                     const std::string &event_type);

// Changes whenever webhook_endpoints (`endpoints_relid`) may have changed: a
// committed change of any backend, once this backend has taken in the
// invalidation (at the start of a transaction), or one of its own. The
// worker reads its endpoints again when it differs from the one it read.
std::uint64_t endpoints_generation(Oid endpoints_relid);

}  // namespace booking_events
