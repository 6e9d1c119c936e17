// Writes one event to the outbox, as the extension's owner: the writing
// role needs no privilege on the outbox, nor USAGE on the extension's
// schema. From 1.2.0 on the rows go straight into the tables
// (direct_insert.hpp); otherwise, and for a table that path does not
// handle, through INSERT statements prepared after the switch (so their
// names are resolved as the owner, with search_path pinned) and kept per
// session.
#pragma once

#include <optional>
#include <string>

#include "pg/extension_cache.hpp"

namespace booking_events {

// `payload` is the event's jsonb (event_to_jsonb). Returns the new row's id
// and has the worker woken when the transaction commits. Call it inside
// SPI_connect. Throws PgError.
int64 insert_into_outbox(const CachedExtension &extension, const std::string &event_id,
                         const std::string &event_type,
                         const std::optional<std::string> &booking_id, Datum payload);

}  // namespace booking_events
